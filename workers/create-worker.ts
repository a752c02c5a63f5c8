import { existsSync } from 'node:fs';
import path from 'node:path';
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

/** The workflow entry the build bundles; compiled JavaScript, so no TS loader is involved. */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** The bundle scripts/bundle-workflows.ts writes at build time, next to the compiled code it bundles. */
export const WORKFLOW_BUNDLE_PATH = path.join(__dirname, '..', 'workflow-bundle.js');

export async function createRuntimeWorker(opts: RuntimeWorkerOptions): Promise<Worker> {
  if (!opts.workflowBundle && !existsSync(WORKFLOW_BUNDLE_PATH)) {
    throw new Error(`workflow bundle ${WORKFLOW_BUNDLE_PATH} is missing: build with 'npm run build' (scripts/build.sh bundles the workflows)`);
  }
  // Activities exist before their worker; until it is created nothing runs them.
  let worker: Worker | undefined;
  const draining = () => worker !== undefined && worker.getState() !== 'RUNNING';
  worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: opts.workflowBundle ?? { codePath: WORKFLOW_BUNDLE_PATH },
    activities: createActivities({ ...opts, draining }),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrency,
    // Each cached workflow holds a sandbox (~2.7 MB here, bench/README.md); the cap bounds the
    // worker's memory under load, at the price of a history replay for evicted workflows.
    maxCachedWorkflows: 250,
    // In-flight attempts get this long to finish on SIGTERM; unfinished ones are retried by
    // Temporal on another worker, and the gateway's idempotency key re-attaches them.
    shutdownGraceTime: '30 seconds',
  });
  return worker;
}
