import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../runtime/search-attributes';
import { TEMPORAL_CLI } from './paths';

/**
 * A real Temporal dev server (the pinned CLI build from scripts/install-temporal.sh), started
 * through @temporalio/testing so it never tries to download one.
 */
export async function startTemporalFixture(): Promise<TestWorkflowEnvironment> {
  if (!existsSync(TEMPORAL_CLI)) {
    throw new Error(`Temporal CLI missing at ${TEMPORAL_CLI}: run bash scripts/install-temporal.sh (npm test does)`);
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_CLI },
      ip: '127.0.0.1',
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      // Same dev-server tuning as scripts/start-temporal.sh (see bench/README.md).
      extraArgs: ['--log-level', 'error', '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000'],
    },
  });
}
