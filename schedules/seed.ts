import type { Prisma, PrismaClient } from '../persistence/prisma-client';

/**
 * The recurring StartInsight jobs APScheduler used to fire, as agent_configurations rows (what
 * `npm run schedules:seed` inserts; the README maps each to its old job).
 */
export const SEED_SCHEDULES: Prisma.AgentConfigurationCreateInput[] = [
  {
    name: 'market-insight-daily-scan',
    agentFamily: 'market_insight',
    action: 'scan',
    input: { market: 'EU residential solar', region: 'DACH' },
    policyProfile: 'standard_async',
    scheduleCron: '0 6 * * *',
    timezone: 'Europe/Berlin',
    jitterSeconds: 300,
    overlapPolicy: 'SKIP',
    catchupWindowSeconds: 3600,
  },
  {
    name: 'trend-refresh-hourly',
    agentFamily: 'trend_watch',
    action: 'refresh',
    input: { keywords: ['heat pumps', 'balcony solar', 'home batteries'] },
    policyProfile: 'best_effort',
    scheduleIntervalSeconds: 3600,
    jitterSeconds: 60,
    overlapPolicy: 'SKIP',
    catchupWindowSeconds: 600,
  },
  {
    name: 'research-weekly-report',
    agentFamily: 'research',
    action: 'report',
    input: { question: 'What changed in the European heat-pump market this week?', market: 'EU heat pumps' },
    policyProfile: 'long_running',
    scheduleCron: '0 7 * * 1',
    timezone: 'Europe/Berlin',
    overlapPolicy: 'SKIP',
    catchupWindowSeconds: 6 * 3600,
    // Off until the content team asks for it: synced as a paused schedule.
    enabled: false,
  },
];

/** Inserts the seed rows that are missing; rows already there (maybe edited) are left alone. */
export async function seedSchedules(prisma: PrismaClient): Promise<{ inserted: string[]; kept: string[] }> {
  const inserted: string[] = [];
  const kept: string[] = [];
  for (const row of SEED_SCHEDULES) {
    const done = await prisma.agentConfiguration.createMany({ data: [row as Prisma.AgentConfigurationCreateManyInput], skipDuplicates: true });
    (done.count > 0 ? inserted : kept).push(row.name);
  }
  return { inserted, kept };
}
