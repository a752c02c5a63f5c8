import type { Logger } from './logger';

/**
 * The C allocator setting the runtime's Node processes are started with. glibc gives each thread
 * that allocates under contention an arena of its own, up to eight per core; a worker has many
 * such threads (Temporal's Rust core, libuv's pool, V8's helpers, the workflow thread), and under
 * load the arenas' free but unreturned memory added ~50 MB of resident memory to the worker with
 * no change in throughput (bench/README.md, "Third pass"). glibc reads it only at process start,
 * so it is set by whatever launches the process: `npm start`, the benchmark, the deployment.
 */
export const ALLOCATOR_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** Says at start when a process runs without it (a deployment that launches node itself). */
export function warnOnDefaultAllocator(logger: Logger, processName: string): void {
  if (process.env.MALLOC_ARENA_MAX) return;
  logger.warn(`${processName} started without MALLOC_ARENA_MAX; set MALLOC_ARENA_MAX=${ALLOCATOR_ENV.MALLOC_ARENA_MAX} in its environment (README, "Deployment") or expect ~50 MB more resident memory under load`, {
    processName,
  });
}
