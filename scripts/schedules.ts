/**
 * Schedules from the command line (the same code the worker runs at start and the admin API runs):
 *
 *   node dist/scripts/schedules.js sync [--dry-run]   make Temporal match agent_configurations
 *   node dist/scripts/schedules.js seed               insert the example StartInsight jobs (missing rows only)
 *
 * Configuration comes from the environment as for the worker (DATABASE_URL, TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE, RUNTIME_SCHEDULE_ID_PREFIX). Prints a JSON report.
 * Exit codes: 0 done, 1 failure, 2 a row is invalid (reported, not applied), 64 usage.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../infra/config';
import { createLogger } from '../infra/logger';
import { createPrismaClient } from '../persistence/prisma-client';
import { seedSchedules } from '../schedules/seed';
import { syncSchedules } from '../schedules/sync';

async function main(): Promise<number> {
  const [verb, ...flags] = process.argv.slice(2);
  if ((verb !== 'sync' && verb !== 'seed') || flags.some((f) => f !== '--dry-run') || (verb === 'seed' && flags.length > 0)) {
    console.error('usage: schedules.js sync [--dry-run] | seed');
    return 64;
  }
  const logger = createLogger('schedules');
  const config = loadConfigOrExit(logger);
  const prisma = createPrismaClient(config.DATABASE_URL);
  try {
    if (verb === 'seed') {
      console.log(JSON.stringify(await seedSchedules(prisma), null, 2));
      return 0;
    }
    const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    try {
      const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      const report = await syncSchedules({ prisma, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, idPrefix: config.RUNTIME_SCHEDULE_ID_PREFIX, logger }, { dryRun: flags.includes('--dry-run') });
      console.log(JSON.stringify(report, null, 2));
      return report.invalid.length > 0 ? 2 : 0;
    } finally {
      await connection.close();
    }
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
