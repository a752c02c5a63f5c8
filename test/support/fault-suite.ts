import { getHarness, type RuntimeHarness } from './runtime-harness';
import { WorkerProcesses, type StartedProcess } from './processes';

export interface FaultSuite {
  /** The shared harness (set by the suite's before hook). */
  readonly h: RuntimeHarness;
  /** Worker processes the test starts (and crashes); all killed after the suite. */
  readonly workers: WorkerProcesses;
  /** Processes to SIGKILL after the suite, if they still run. */
  track(...procs: StartedProcess[]): void;
  /** Something else to end after the suite (a proxy, a private server); run in reverse order. */
  onCleanup(fn: () => unknown): void;
}

/**
 * Call inside a fault test's describe(): the shared harness before its tests, and everything the
 * tests started (processes, proxies, private servers) ended after them, even when a test failed.
 */
export function faultSuite(): FaultSuite {
  let harness: RuntimeHarness | undefined;
  const workers = new WorkerProcesses();
  const cleanups: (() => unknown)[] = [];
  before(async function () {
    this.timeout(240_000);
    harness = await getHarness();
  });
  after(async () => {
    workers.killAll();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    get h() {
      if (!harness) throw new Error('the harness is not started (faultSuite() must be called inside describe())');
      return harness;
    },
    workers,
    track(...procs) {
      for (const p of procs) cleanups.push(() => p.child.kill('SIGKILL'));
    },
    onCleanup(fn) {
      cleanups.push(fn);
    },
  };
}
