import * as path from 'node:path';
import { repoRoot } from './repo-root';

/** What the mocha summary reporter leaves behind for the evidence bundle. */
export interface TestResultsFile {
  passes: number;
  failures: number;
  pending: number;
  durationMs: number;
  failed: { title: string; error: string }[];
  /** Set when the run was narrowed with --grep: then it is not evidence for a release. */
  grep?: string;
  finishedAt: string;
}

export const defaultTestResultsPath = (): string => path.join(repoRoot(), 'test-output', 'test-results.json');
