/**
 * Release gates: writes the evidence bundle and exits 1 when any gate failed.
 *
 *   npm run gates -- [--out test-output/release-evidence] [--api-url http://127.0.0.1:8080]
 *
 * Reads the results of the last `npm test` (test-output/test-results.json) rather than running the
 * suite again; replays the histories, checks the migrations (scratch databases on the PostgreSQL
 * server of --database-url / GATES_DATABASE_URL, default 127.0.0.1:5432) and the version pins.
 */
import * as path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { DEFAULT_SCRATCH_SERVER_URL } from '../persistence/scratch-database';
import { defaultGates, writeEvidenceBundle } from '../release/evidence-bundle';
import { repoRoot } from '../release/repo-root';

interface Options {
  out: string;
  apiUrl?: string;
  apiToken?: string;
  databaseUrl: string;
  parityDatabaseUrl?: string;
  testResults?: string;
}

async function main(): Promise<void> {
  // Replaying starts a throw-away worker per history; their state changes are noise here.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const opts = new Command('gates')
    .description('Runs the release gates and writes the evidence bundle')
    .option('--out <dir>', 'folder for the bundle', path.join(repoRoot(), 'test-output', 'release-evidence'))
    .option('--api-url <url>', 'a running runtime API, for the SLO snapshot')
    .option('--api-token <token>', 'bearer token for --api-url (default: env RUNTIME_GATES_API_TOKEN)', process.env.RUNTIME_GATES_API_TOKEN)
    .option('--database-url <url>', 'PostgreSQL server for scratch databases', process.env.GATES_DATABASE_URL || DEFAULT_SCRATCH_SERVER_URL)
    .option('--parity-database-url <url>', 'the database of a shadow run, for the parity gate (default: env GATES_PARITY_DATABASE_URL)', process.env.GATES_PARITY_DATABASE_URL)
    .option('--test-results <file>', 'results of the last npm test (default test-output/test-results.json)')
    .parse()
    .opts<Options>();
  const started = Date.now();
  const { summary, markdown } = await writeEvidenceBundle(
    path.resolve(opts.out),
    defaultGates({
      databaseServerUrl: opts.databaseUrl,
      ...(opts.testResults ? { testResultsPath: path.resolve(opts.testResults) } : {}),
      ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
      ...(opts.apiToken ? { apiToken: opts.apiToken } : {}),
      ...(opts.parityDatabaseUrl ? { parityDatabaseUrl: opts.parityDatabaseUrl } : {}),
    }),
  );
  process.stdout.write(`${markdown}\nevidence in ${path.resolve(opts.out)} (${Math.round((Date.now() - started) / 1000)} s)\n`);
  // Explicit exit: the replay worker's native runtime can keep the event loop alive.
  process.exit(summary.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`gates: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
});
