import { existsSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../runtime/search-attributes';
import { SQLITE_FILE_FLAGS } from '../../runtime/temporal-dev-server';
import { freePort, sleep, startBackgroundChild, type BenchChild } from './procs';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const TEMPORAL_CLI = path.join(REPO_ROOT, '.tools', 'temporal', 'temporal');

/**
 * The pinned Temporal dev server, persisted to a SQLite file like scripts/start-temporal.sh's
 * (the production-like dev server, with its journal settings), or in memory when dbFile is null.
 * Headless; the runtime's search attributes registered.
 */
export interface TemporalUnderTest {
  address: string;
  /** The server's Prometheus page (`--metrics-port`): what it served, by operation. */
  metricsUrl: string;
  proc: BenchChild;
}

/** sqliteFlags: the file's journal settings (default: the runtime's, SQLITE_FILE_FLAGS). */
export async function startTemporalServer(opts: { dbFile: string | null; sqliteFlags?: string[]; logFile: string; extraArgs?: string[] }): Promise<TemporalUnderTest> {
  if (!existsSync(TEMPORAL_CLI)) throw new Error(`Temporal CLI missing at ${TEMPORAL_CLI}: run bash scripts/install-temporal.sh`);
  const port = await freePort();
  const metricsPort = await freePort();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error', '--metrics-port', String(metricsPort)];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile, ...(opts.sqliteFlags ?? SQLITE_FILE_FLAGS));
  for (const sa of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', sa);
  args.push(...(opts.extraArgs ?? []));
  const proc = startBackgroundChild('temporal', TEMPORAL_CLI, args, process.env, opts.logFile);
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`Temporal dev server exited: ${proc.output().slice(-2000)}`);
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await c.workflowService.describeNamespace({ namespace: 'default' });
        return { address, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, proc };
      } finally {
        await c.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal dev server not ready after 60 s: ${String(err)}`);
      await sleep(300);
    }
  }
}
