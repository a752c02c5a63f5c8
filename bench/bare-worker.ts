/**
 * Mode A baseline worker (a child process of bench/run.ts): bare Temporal, the bench's own
 * one-no-op-activity workflow, no projection, no database. Env: RUNTIME_BENCHMARK=1,
 * TEMPORAL_ADDRESS, BENCH_TASK_QUEUE, BENCH_MAX_ACTIVITIES (default 20, the runtime's default).
 */
import { requireBenchmarkMode } from './lib/guard';

requireBenchmarkMode('bench/bare-worker');

import { NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: process.env.BENCH_TASK_QUEUE ?? 'bench-bare',
    workflowsPath: require.resolve('./bare-workflows'),
    activities: { noop: async () => 'ok' },
    maxConcurrentActivityTaskExecutions: Number(process.env.BENCH_MAX_ACTIVITIES ?? 20),
  });
  process.stdout.write('bench worker running\n');
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bare worker failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
