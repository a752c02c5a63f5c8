import { existsSync, readFileSync } from 'node:fs';
import { failed, notAvailable, passed, type Gate } from '../gate-result';
import type { TestResultsFile } from '../test-results';

/**
 * Reads what the last `npm test` left (test/support/summary-reporter.ts) instead of running the
 * suite again. A narrowed run (--grep) is no evidence for a release, so it fails.
 */
export function testResultsGate(resultsPath: string): Gate {
  const name = 'test-results';
  return {
    name,
    async run() {
      if (!existsSync(resultsPath)) return notAvailable(name, `not run: ${resultsPath} is missing (npm test writes it)`, { resultsPath });
      const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as TestResultsFile;
      const counts = `${results.passes} passed, ${results.failures} failed, ${results.pending} skipped in ${Math.round(results.durationMs / 1000)} s (finished ${results.finishedAt})`;
      const details = { resultsPath, ...results };
      if (results.failures > 0) return failed(name, `${counts}; first failure: ${results.failed[0]?.title ?? '?'}`, details);
      if (results.grep !== undefined) return failed(name, `${counts}, but only tests matching ${results.grep} ran; run the whole suite (npm test)`, details);
      if (results.passes === 0) return failed(name, `${counts}: no test ran`, details);
      return passed(name, counts, details);
    },
  };
}
