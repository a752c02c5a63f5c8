/**
 * The command that starts `command args` at CPU priority `niceness` (RUNTIME_BACKGROUND_NICENESS);
 * 0 leaves it unchanged. Where the whole runtime shares one host (`npm start`, the benchmark), the
 * processes that drain the backlog, the worker and the Temporal dev server, start this way, below
 * the API: their work is queued and waits anyway, while a submission is a client waiting on its
 * answer. Sharing two cores equally with a backlog, the API's p99 at 100 req/s was ~160 ms
 * (bench/README.md, "Fifth pass"). nice(1) execs the command, so the process id and signals are
 * the command's own, and every thread it starts inherits the priority. Deployments that give each
 * process its own CPU (containers with CPU requests) need none of it.
 */
export function atNiceness(niceness: number, command: string, args: string[]): { command: string; args: string[] } {
  return niceness > 0 ? { command: 'nice', args: ['-n', String(niceness), command, ...args] } : { command, args };
}
