import { stopHarness } from './runtime-harness';

/** Mocha root hooks (loaded with --require): the shared harness is torn down once, at the end. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopHarness();
  },
};
