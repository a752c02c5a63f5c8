import type { ScheduleOptions, ScheduleOverlapPolicy } from '@temporalio/client';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AgentConfiguration } from '../persistence/prisma-client';
import { AGENT_FAMILY_NAMES } from '../runtime/agents/registry';
import { canonicalJson } from '../runtime/canonical-json';
import { POLICY_PROFILE_NAMES } from '../runtime/policy/profiles';
import { commandInputSchema } from '../runtime/router';
import { SCHEDULED_COMMAND_WORKFLOW_TYPE, type ScheduledCommandArgs } from '../runtime/schedules';

export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;

/** Five-field cron (minute hour day-of-month month day-of-week) or an @-macro, as Temporal accepts. */
const CRON_RE = /^(@(yearly|annually|monthly|weekly|daily|hourly)|(\S+\s+){4}\S+)$/;

/**
 * An agent_configurations row that declares a schedule, validated: exactly one of cron and
 * interval, a known overlap policy and profile, an action the router knows and an input its
 * schema accepts. A bad row is reported by the sync and left alone, never half-applied.
 */
export const scheduleRowSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, { error: 'expected a lower-case name (a-z 0-9 _ . -)' }),
    agentFamily: z.enum(AGENT_FAMILY_NAMES),
    action: z.string(),
    input: z.record(z.string(), z.unknown()).nullable(),
    policyProfile: z.enum(POLICY_PROFILE_NAMES).nullable(),
    scheduleCron: z.string().regex(CRON_RE, { error: 'expected a 5-field cron expression or @daily-style macro' }).nullable(),
    scheduleIntervalSeconds: z.number().int().min(1).max(366 * 24 * 3600).nullable(),
    timezone: z.string().min(1).max(64),
    jitterSeconds: z.number().int().min(0).max(24 * 3600),
    overlapPolicy: z.enum(OVERLAP_POLICIES),
    catchupWindowSeconds: z.number().int().min(10).max(366 * 24 * 3600).nullable(),
    enabled: z.boolean(),
  })
  .superRefine((row, ctx) => {
    if ((row.scheduleCron === null) === (row.scheduleIntervalSeconds === null)) {
      ctx.addIssue({ code: 'custom', path: ['scheduleCron'], message: 'set exactly one of schedule_cron and schedule_interval_seconds' });
    }
    try {
      new Intl.DateTimeFormat('en', { timeZone: row.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown IANA time zone ${row.timezone}` });
    }
    const schema = commandInputSchema(row.agentFamily, row.action);
    if (!schema) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `${row.agentFamily} has no action ${row.action}` });
      return;
    }
    const parsed = schema.safeParse(row.input ?? {});
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ['input', ...issue.path] } as never);
  });
export type ScheduleRow = z.infer<typeof scheduleRowSchema>;

/** Rows that declare a schedule; the others hold only policy overrides for a family. */
export function declaresSchedule(row: Pick<AgentConfiguration, 'scheduleCron' | 'scheduleIntervalSeconds'>): boolean {
  return row.scheduleCron !== null || row.scheduleIntervalSeconds !== null;
}

export interface DesiredSchedule {
  scheduleId: string;
  /** Hash of everything the row defines except `enabled`; kept in the schedule memo to detect changes. */
  specHash: string;
  enabled: boolean;
  options: ScheduleOptions;
}

/**
 * Kept in the schedule action's memo (a schedule's own memo cannot be updated): what the sync last
 * applied, so it can tell a changed row from an admin's pause.
 */
export const SCHEDULE_MEMO = { specHash: 'siSpecHash', enabled: 'siEnabled', config: 'siConfig' } as const;

/** The Temporal Schedule a valid row stands for. */
export function desiredSchedule(row: ScheduleRow, ctx: { idPrefix: string; taskQueue: string }): DesiredSchedule {
  const scheduleId = `${ctx.idPrefix}${row.name}`;
  const args: ScheduledCommandArgs = {
    configName: row.name,
    scheduleId,
    agentFamily: row.agentFamily,
    action: row.action,
    input: row.input ?? {},
    ...(row.policyProfile ? { policyProfile: row.policyProfile } : {}),
  };
  const spec = {
    ...(row.scheduleCron ? { cronExpressions: [row.scheduleCron] } : { intervals: [{ every: row.scheduleIntervalSeconds! * 1000 }] }),
    ...(row.jitterSeconds > 0 ? { jitter: row.jitterSeconds * 1000 } : {}),
    timezone: row.timezone,
  };
  const policies = { overlap: row.overlapPolicy as ScheduleOverlapPolicy, ...(row.catchupWindowSeconds ? { catchupWindow: row.catchupWindowSeconds * 1000 } : {}) };
  const specHash = createHash('sha256').update(canonicalJson({ args, spec, policies, taskQueue: ctx.taskQueue })).digest('hex').slice(0, 32);
  return {
    scheduleId,
    specHash,
    enabled: row.enabled,
    options: {
      scheduleId,
      spec,
      policies,
      action: {
        type: 'startWorkflow',
        workflowType: SCHEDULED_COMMAND_WORKFLOW_TYPE,
        taskQueue: ctx.taskQueue,
        workflowId: `scheduled-${row.name}`,
        args: [args],
        memo: { [SCHEDULE_MEMO.specHash]: specHash, [SCHEDULE_MEMO.enabled]: row.enabled, [SCHEDULE_MEMO.config]: row.name },
      },
      state: { paused: !row.enabled, note: row.enabled ? `created from agent_configurations ${row.name}` : `disabled in agent_configurations ${row.name}` },
    },
  };
}
