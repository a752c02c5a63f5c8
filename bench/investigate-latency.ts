/**
 * Why does one sequential bare-Temporal workflow (one no-op activity) take as long as it does?
 * Measures sequential workflows under variants: SQLite file vs in-memory dev server, worker in a
 * child process vs in this process, eager workflow start, poller settings. Findings: bench/README.md.
 *
 *   RUNTIME_BENCHMARK=1 node dist/bench/investigate-latency.js [count per variant, default 40]
 */
import { requireBenchmarkMode } from './lib/guard';

requireBenchmarkMode('bench/investigate-latency');

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { killAllChildrenSync, startChild, stopAllChildren } from './lib/procs';
import { dist } from './lib/stats';
import { timeline } from './lib/timeline';
import { REPO_ROOT, startTemporalServer } from './lib/temporal-server';
import { TRANSFER_QUEUE_FLAGS } from '../runtime/temporal-dev-server';

const N = Number(process.argv[2] ?? 40);
const dir = mkdtempSync(path.join(os.tmpdir(), 'si-bench-investigate-'));
process.on('exit', () => {
  killAllChildrenSync();
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

async function seq(client: Client, queue: string, opts: { eager?: boolean } = {}) {
  const e2e: number[] = [];
  const closeE2e: number[] = [];
  const items: { workflowId: string; submittedAt: number }[] = [];
  let eager = 0;
  for (let i = 0; i < N + 3; i++) {
    const submittedAt = Date.now();
    const t0 = performance.now();
    const h = await client.workflow.start('bareNoopWorkflow', { taskQueue: queue, workflowId: `inv-${randomUUID()}`, ...(opts.eager ? { requestEagerStart: true } : {}) });
    await h.result();
    if (i < 3) continue; // warm-up
    if (h.eagerlyStarted) eager++;
    e2e.push(performance.now() - t0);
    closeE2e.push((await h.describe()).closeTime!.getTime() - submittedAt);
    items.push({ workflowId: h.workflowId, submittedAt });
  }
  return { resultP50: dist(e2e).p50, resultP95: dist(e2e).p95, closeP50: dist(closeE2e).p50, eagerlyStarted: `${eager}/${N}`, timeline: await timeline(client, items.slice(-10)) };
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflows'), logger: new DefaultLogger('WARN') });
  const out: Record<string, unknown> = {};
  const servers: [string, boolean, string[]][] = [
    ['sqlite-file', true, []],
    ['in-memory', false, []],
    ['sqlite-file + system.enableActivityEagerExecution', true, ['--dynamic-config-value', 'system.enableActivityEagerExecution=true']],
    // The dev server has ONE history shard; every task dispatch is read from that shard's transfer
    // queue, whose reader is rate-limited to history.transferProcessorMaxPollRPS (default 20/s).
    ['sqlite-file + history.transferProcessorMaxPollRPS=1000', true, TRANSFER_QUEUE_FLAGS],
  ];
  const only = process.env.INVESTIGATE_ONLY;
  for (const [label, persisted, extraArgs] of servers.filter(([l]) => !only || l.includes(only))) {
    const full = label === 'sqlite-file';
    // SQLite at its own defaults, as the table in bench/README.md was measured (before the eighth pass).
    const server = await startTemporalServer({ dbFile: persisted ? path.join(dir, `${label.replace(/[^a-z]/g, '')}.sqlite`) : null, sqliteFlags: [], logFile: path.join(dir, 'temporal.log'), extraArgs });
    const conn = await Connection.connect({ address: server.address });
    const client = new Client({ connection: conn });

    // 1. worker in a child process (as the benchmark runs it)
    const q1 = `inv-child-${label}`;
    const child = startChild('bare-worker', process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'bare-worker.js')], { ...process.env, TEMPORAL_ADDRESS: server.address, BENCH_TASK_QUEUE: q1 }, path.join(dir, 'w.log'));
    await child.waitFor(/bench worker running/, 60_000);
    out[`${label}: child worker`] = await seq(client, q1);
    await child.stop();

    // 2. worker in this process, sharing a NativeConnection with the client: with and without eager start
    const native = await NativeConnection.connect({ address: server.address });
    const sharedClient = new Client({ connection: native });
    const variants: [string, Partial<WorkerOptions>, boolean][] = [
      ['in-process worker', {}, false],
      ['in-process worker + requestEagerStart', {}, true],
      ['in-process worker, 10 workflow + 10 activity pollers', { maxConcurrentWorkflowTaskPolls: 10, maxConcurrentActivityTaskPolls: 10 }, false],
      ['in-process worker, no sticky cache (maxCachedWorkflows 0)', { maxCachedWorkflows: 0 }, false],
      ['in-process worker, autoscaling pollers', { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } }, false],
      ['in-process worker + requestEagerStart, no sticky cache', { maxCachedWorkflows: 0 }, true],
    ];
    for (const [name, opts, eager] of variants) {
      if (!full && name !== 'in-process worker' && name !== 'in-process worker + requestEagerStart') continue;
      const q = `inv-${randomUUID()}`;
      const worker = await Worker.create({ connection: native, taskQueue: q, workflowBundle: bundle, activities: { noop: async () => 'ok' }, ...opts });
      const running = worker.run();
      out[`${label}: ${name}`] = await seq(sharedClient, q, { eager });
      worker.shutdown();
      await running;
    }
    await native.close();
    await conn.close();
    await server.proc.stop();
    process.stderr.write(`[investigate] ${label} done\n`);
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  await stopAllChildren();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
