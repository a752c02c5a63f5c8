import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export interface RuntimeWorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  maxConcurrency: number;
  /** Tests pass a pre-built bundle so each worker does not re-bundle the workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The workflow entry every worker bundles; compiled JavaScript, so no TS loader is involved. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

export async function createRuntimeWorker(opts: RuntimeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrency,
    // Each cached workflow holds a sandbox (~2.7 MB here, bench/README.md); the cap bounds the
    // worker's memory under load, at the price of a history replay for evicted workflows.
    maxCachedWorkflows: 250,
    // In-flight attempts get this long to finish on SIGTERM; unfinished ones are retried by
    // Temporal on another worker, and the gateway's idempotency key re-attaches them.
    shutdownGraceTime: '30 seconds',
  });
}
