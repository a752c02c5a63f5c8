import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../runtime/search-attributes';
import { TRANSFER_QUEUE_FLAGS } from '../../runtime/temporal-dev-server';
import { TEMPORAL_CLI } from './paths';

/**
 * A real Temporal dev server (the pinned CLI build from scripts/install-temporal.sh), started
 * through @temporalio/testing so it never tries to download one.
 */
export async function startTemporalFixture(): Promise<TestWorkflowEnvironment> {
  if (!existsSync(TEMPORAL_CLI)) {
    throw new Error(`Temporal CLI missing at ${TEMPORAL_CLI}: run bash scripts/install-temporal.sh (npm test does)`);
  }
  // The SDK waits a fixed 5 s for the server to answer; on a busy 2-core machine (a suite that
  // just stopped a gateway, a cold page cache for the 250 MB binary) that is sometimes too short.
  for (let attempt = 1; ; attempt++) {
    try {
      return await createLocal();
    } catch (err) {
      if (attempt >= 3 || !/did not start within/.test(String(err))) throw err;
      process.stderr.write(`temporal dev server slow to start (attempt ${attempt}), trying again\n`);
    }
  }
}

function createLocal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_CLI },
      ip: '127.0.0.1',
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      // Same dev-server tuning as scripts/start-temporal.sh; in memory, so no SQLite settings.
      extraArgs: ['--log-level', 'error', ...TRANSFER_QUEUE_FLAGS],
    },
  });
}
