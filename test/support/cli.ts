import { spawn } from 'node:child_process';
import path from 'node:path';
import { adminToken } from './auth';
import { REPO_ROOT } from './paths';

/** Runs the built si-runtime CLI against an API, as an admin named `actor` would; resolves with its exit code and output. */
export async function runCli(apiUrl: string, args: string[], actor = 'cli-test'): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', SI_RUNTIME_URL: apiUrl, SI_RUNTIME_TOKEN: await adminToken(actor) };
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/client/cli.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stdout, stderr };
}
