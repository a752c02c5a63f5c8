import Mocha from 'mocha';

/**
 * The spec reporter, plus one closing line in the plain form CI reads in any language:
 * "N passed, N failed" (", N skipped" when some were pending).
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0 };
      const skipped = s.pending > 0 ? `, ${s.pending} skipped` : '';
      // Registered after the spec reporter's epilogue, so printed after it; synchronously,
      // because mocha's --exit ends the process right after this event.
      process.stdout.write(`${s.passes} passed, ${s.failures} failed${skipped}\n`);
    });
  }
}

export = SummaryReporter;
