import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './repo-root';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the repository's Prisma CLI. `serverUrl` must reach a PostgreSQL server: the JS schema
 * engine connects even for datamodel-only diffs, though it reads nothing there.
 */
export function prismaCli(args: string[], serverUrl: string): CliResult {
  const root = repoRoot();
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: serverUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
