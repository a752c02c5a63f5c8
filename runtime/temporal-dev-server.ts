/**
 * How the runtime runs the Temporal CLI dev server (scripts/start-temporal.sh, the tests'
 * servers, the benchmark). A cluster is configured in temporal-docker/ instead.
 */

/**
 * The dev server reads its one history shard's transfer queue at most 20 times/s by default,
 * which adds ~40 ms to every task hand-off (bench/README.md, "Why one sequential bare workflow
 * takes ~150 ms here"). The benchmark leaves it at the default unless asked (`--temporal-fast`).
 */
export const TRANSFER_QUEUE_FLAGS = ['--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'];

/**
 * For a dev server persisted to a SQLite file: a write-ahead log, synced at checkpoints. SQLite's
 * defaults (a rollback journal created, synced and deleted per transaction) cost the server 10-18 ms
 * of CPU per command in system calls and contend for the disk with the OpenClaw gateway's own syncs
 * (bench/README.md, "Eighth pass"). Committed state survives a killed server (the restart fault
 * test SIGKILLs it); an OS crash or power cut may lose the last commits, which a single-node dev
 * server is not built to survive anyway.
 */
export const SQLITE_FILE_FLAGS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
