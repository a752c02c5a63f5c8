import { Runtime } from '@temporalio/worker';
import { createLogger } from '../../infra/logger';
import { temporalLoggerFor } from '../../infra/temporal-logger';
import { stopHarness } from './runtime-harness';

// The SDK's own logs go through winston like in the worker; quiet unless TEST_LOG_LEVEL says so.
Runtime.install({ logger: temporalLoggerFor(createLogger('temporal-sdk', process.env.TEST_LOG_LEVEL ?? 'error'), 'WARN') });

/** Mocha root hooks (loaded with --require): the shared harness is torn down once, at the end. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopHarness();
  },
};
