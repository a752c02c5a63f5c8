/**
 * Build step (scripts/build.sh): bundles the workflow code once, into dist/workflow-bundle.js,
 * which every runtime worker loads (workers/create-worker.ts). Bundling in each worker at start
 * ran webpack in the worker's own process, and its heap stayed resident for the process's life
 * (~80 MB of RSS, bench/README.md).
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH, WORKFLOWS_PATH } from '../workers/create-worker';

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet })
  .then(({ code }) => writeFileSync(WORKFLOW_BUNDLE_PATH, code))
  .catch((err: unknown) => {
    process.stderr.write(`workflow bundle failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
