import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { defaultTestResultsPath, type TestResultsFile } from '../../release/test-results';

/**
 * The spec reporter, plus one closing line in the plain form CI reads in any language:
 * "N passed, N failed" (", N skipped" when some were pending), and test-output/test-results.json
 * for the release evidence bundle, so the bundle need not run the suite again.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const failed: TestResultsFile['failed'] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      failed.push({ title: test.fullTitle(), error: err?.message ?? String(err) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats ?? { passes: 0, failures: 0, pending: 0, duration: 0 };
      const skipped = s.pending > 0 ? `, ${s.pending} skipped` : '';
      // Registered after the spec reporter's epilogue, so printed after it; synchronously,
      // because mocha's --exit ends the process right after this event.
      process.stdout.write(`${s.passes} passed, ${s.failures} failed${skipped}\n`);
      writeResults({
        passes: s.passes,
        failures: s.failures,
        pending: s.pending,
        durationMs: s.duration ?? 0,
        failed,
        ...(options?.grep !== undefined ? { grep: String(options.grep) } : {}),
        finishedAt: new Date().toISOString(),
      });
    });
  }
}

function writeResults(results: TestResultsFile): void {
  const file = process.env.TEST_RESULTS_PATH || defaultTestResultsPath();
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  } catch (err) {
    process.stderr.write(`could not write ${file}: ${(err as Error).message}\n`);
  }
}

export = SummaryReporter;
