import { spawn, type ChildProcess } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS } from '../../runtime/search-attributes';
import { SQLITE_FILE_FLAGS, TRANSFER_QUEUE_FLAGS } from '../../runtime/temporal-dev-server';
import { freePort } from './gateway-fixture';
import { TEMPORAL_CLI } from './paths';
import { crash } from './processes';

export interface PersistentTemporal {
  address: string;
  dbFile: string;
  /** Starts the dev server (again) on the same port and database file; resolves once it answers. */
  start(): Promise<void>;
  /** SIGKILL: the server dies as in a crash; what it had committed to its SQLite file stays. */
  kill(): Promise<void>;
  output(): string;
  /** Kills it if running and deletes its database file. */
  dispose(): Promise<void>;
}

/**
 * A Temporal dev server of the test's own, persisted to a SQLite file on fixed ports, so it can be
 * killed and started again as the same server with the same state (the harness's shared server
 * keeps its state in memory and must keep running for everything else).
 */
export async function startPersistentTemporal(): Promise<PersistentTemporal> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'si-temporal-'));
  const dbFile = path.join(dir, 'temporal.db');
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let out = '';
  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1',
    '--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort),
    '--db-filename', dbFile, ...SQLITE_FILE_FLAGS, '--namespace', 'default', '--log-level', 'error',
    ...TRANSFER_QUEUE_FLAGS,
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((f) => ['--search-attribute', f]),
  ];

  const handle: PersistentTemporal = {
    address,
    dbFile,
    async start() {
      const c = spawn(TEMPORAL_CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      c.stdout!.on('data', (d) => (out += d));
      c.stderr!.on('data', (d) => (out += d));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (c.exitCode !== null) throw new Error(`temporal dev server exited with ${c.exitCode}: ${out.slice(-2000)}`);
        try {
          const connection = await Connection.connect({ address, connectTimeout: 1_000 });
          try {
            await connection.workflowService.describeNamespace({ namespace: 'default' });
            return;
          } finally {
            await connection.close();
          }
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`temporal dev server on ${address} did not answer: ${err}; ${out.slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async kill() {
      const c = child;
      child = undefined;
      await crash(c);
    },
    output: () => out,
    async dispose() {
      await handle.kill();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
