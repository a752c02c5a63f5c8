/** The workflow a schedule firing starts: it accepts one ordinary command and runs it as its child. */
export const SCHEDULED_COMMAND_WORKFLOW_TYPE = 'scheduledCommandWorkflow';

/** Sent by a command workflow to the scheduled run that started it when it parks as a dead letter, so the schedule's overlap slot is freed. */
export const COMMAND_SETTLED_SIGNAL = 'command_settled';

/** What one firing starts: the scheduled-command workflow's argument. */
export interface ScheduledCommandArgs {
  configName: string;
  scheduleId: string;
  agentFamily: string;
  action: string;
  input: Record<string, unknown>;
  policyProfile?: string;
}

/** A schedule as the admin API shows it (GET /admin/runtime/schedules). */
export interface ScheduleView {
  name: string;
  scheduleId: string;
  agentFamily: string;
  action: string;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  jitterSeconds: number;
  overlapPolicy: string;
  enabled: boolean;
  /** False until a sync has created it in Temporal. */
  synced: boolean;
  paused: boolean | null;
  note: string | null;
  nextRunTimes: string[];
  lastRun: { scheduledAt: string; startedAt: string; workflowId: string } | null;
  actionsTaken: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
  running: number;
}

/** What a schedule sync did (or, dry, would do). */
export interface SyncReport {
  dryRun: boolean;
  created: string[];
  updated: string[];
  paused: string[];
  unpaused: string[];
  deleted: string[];
  unchanged: string[];
  /** Rows that declare a schedule but are invalid: reported, and their schedules left as they are. */
  invalid: { name: string; problems: string[] }[];
}
