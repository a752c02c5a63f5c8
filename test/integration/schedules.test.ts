import assert from 'node:assert/strict';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Prisma } from '../../persistence/prisma-client';
import { syncSchedules, type SyncReport } from '../../schedules/sync';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { runCli } from '../support/cli';
import { SseClient } from '../support/sse-client';
import { until } from '../support/until';
import { recordHistory } from '../support/record-history';

const ADMIN = { 'X-Actor': 'ops@startinsight.io' };
/** Yearly at 03:00 on 1 January: never fires during a test. */
const NEVER_SOON = '0 3 1 1 *';

const row = (name: string, extra: Partial<Prisma.AgentConfigurationCreateManyInput> = {}): Prisma.AgentConfigurationCreateManyInput => ({
  name,
  agentFamily: 'trend_watch',
  action: 'refresh',
  input: { keywords: ['heat pumps'] },
  scheduleCron: NEVER_SOON,
  ...extra,
});

/** Commands a schedule's firings created (their idempotency keys name the firing). */
function commandsOf(h: RuntimeHarness, name: string) {
  return h.prisma.runtimeCommand.findMany({ where: { idempotencyKey: { startsWith: `schedule:scheduled-${name}-` } }, orderBy: { createdAt: 'asc' } });
}

describe('Temporal Schedules from agent_configurations', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;
  let prefix: string;
  const sync = (dryRun = false): Promise<SyncReport> =>
    syncSchedules({ prisma: h.prisma, temporal: h.client, taskQueue: h.config.TEMPORAL_TASK_QUEUE, idPrefix: prefix, logger: h.logger }, { dryRun });
  const describeSchedule = (name: string) => h.client.schedule.getHandle(`${prefix}${name}`).describe();

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    // The harness API syncs under its own prefix (RUNTIME_SCHEDULE_ID_PREFIX); the direct syncs here use the same.
    prefix = h.config.RUNTIME_SCHEDULE_ID_PREFIX;
  });

  afterEach(async () => {
    await h.prisma.agentConfiguration.deleteMany({ where: { scheduleCron: { not: null } } });
    await h.prisma.agentConfiguration.deleteMany({ where: { scheduleIntervalSeconds: { not: null } } });
    await sync();
  });

  it('syncs 5 configurations to 5 schedules, converges after 2 changes, 1 disable and 1 delete, and then does nothing', async () => {
    await h.prisma.agentConfiguration.createMany({
      data: [
        row('a-cron', { timezone: 'Europe/Berlin', jitterSeconds: 30 }),
        row('b-interval', { scheduleCron: null, scheduleIntervalSeconds: 86_400, overlapPolicy: 'BUFFER_ONE' }),
        row('c-research', { agentFamily: 'research', action: 'investigate', input: { question: 'Q?' }, catchupWindowSeconds: 600 }),
        row('d-pipeline', { agentFamily: 'research', action: 'report', input: { question: 'Q?', market: 'M' }, policyProfile: 'long_running' }),
        row('e-content', { agentFamily: 'content', action: 'draft', input: { brief: 'B' } }),
      ],
    });
    const dry = await sync(true);
    assert.equal(dry.created.length, 5, 'the dry run plans 5 creations');
    await assert.rejects(describeSchedule('a-cron'), ScheduleNotFoundError, 'and applies nothing');

    const first = await sync();
    assert.deepEqual(first.created.sort(), ['a-cron', 'b-interval', 'c-research', 'd-pipeline', 'e-content'].map((n) => `${prefix}${n}`));
    const a = await describeSchedule('a-cron');
    assert.equal(a.spec.timezone, 'Europe/Berlin');
    assert.equal(a.spec.jitter, 30_000);
    assert.equal(a.policies.overlap, 'SKIP');
    assert.equal(a.state.paused, false);
    assert.equal(a.action.type === 'startWorkflow' && a.action.workflowType, 'scheduledCommandWorkflow');
    const b = await describeSchedule('b-interval');
    assert.equal(b.spec.intervals?.[0]?.every, 86_400_000);
    assert.equal(b.policies.overlap, 'BUFFER_ONE');
    assert.equal((await describeSchedule('c-research')).policies.catchupWindow, 600_000);
    const d = await describeSchedule('d-pipeline');
    assert.deepEqual(d.action.type === 'startWorkflow' && d.action.args?.[0], { configName: 'd-pipeline', scheduleId: `${prefix}d-pipeline`, agentFamily: 'research', action: 'report', input: { question: 'Q?', market: 'M' }, policyProfile: 'long_running' });

    await h.prisma.agentConfiguration.update({ where: { name: 'a-cron' }, data: { scheduleCron: '0 4 1 1 *' } });
    await h.prisma.agentConfiguration.update({ where: { name: 'b-interval' }, data: { input: { keywords: ['batteries'] } } });
    await h.prisma.agentConfiguration.update({ where: { name: 'c-research' }, data: { enabled: false } });
    await h.prisma.agentConfiguration.delete({ where: { name: 'e-content' } });
    // The delete is found through the (eventually consistent) schedule list.
    await until('list shows the schedules', async () => {
      const ids: string[] = [];
      for await (const s of h.client.schedule.list()) ids.push(s.scheduleId);
      return ids.includes(`${prefix}e-content`) || undefined;
    }, 30_000);
    const second = await sync();
    assert.deepEqual(second.updated.sort(), [`${prefix}a-cron`, `${prefix}b-interval`]);
    assert.deepEqual(second.paused, [`${prefix}c-research`]);
    assert.deepEqual(second.deleted, [`${prefix}e-content`]);
    assert.deepEqual(second.created, []);
    assert.equal((await describeSchedule('c-research')).state.paused, true);
    await assert.rejects(describeSchedule('e-content'), ScheduleNotFoundError);
    const bAfter = await describeSchedule('b-interval');
    assert.deepEqual(bAfter.action.type === 'startWorkflow' && (bAfter.action.args?.[0] as { input: unknown }).input, { keywords: ['batteries'] });

    const third = await sync();
    assert.deepEqual(
      { created: third.created, updated: third.updated, paused: third.paused, unpaused: third.unpaused, deleted: third.deleted },
      { created: [], updated: [], paused: [], unpaused: [], deleted: [] },
      'a second sync is a no-op',
    );
    assert.equal(third.unchanged.length, 4);
  });

  it('reports an invalid row and leaves it alone', async () => {
    await h.prisma.agentConfiguration.createMany({ data: [row('bad-both', { scheduleIntervalSeconds: 60 }), row('bad-input', { input: { keywords: [] } })] });
    const report = await sync();
    assert.deepEqual(report.invalid.map((i) => i.name), ['bad-both', 'bad-input']);
    assert.match(report.invalid[0]!.problems.join(' '), /exactly one of schedule_cron and schedule_interval_seconds/);
    assert.match(report.invalid[1]!.problems.join(' '), /input\.keywords/);
    assert.deepEqual(report.created, []);
  });

  it('a short-interval schedule fires an ordinary command with its projections; SKIP skips a firing while one runs', async () => {
    await h.prisma.agentConfiguration.createMany({
      data: [
        row('fast', { scheduleCron: null, scheduleIntervalSeconds: 2 }),
        row('slow-skip', { scheduleCron: null, scheduleIntervalSeconds: 2, agentFamily: 'research', action: 'investigate', input: { question: 'Slow', scenario: 'slow:7000' } }),
      ],
    });
    await sync();
    const fired = await until('the fast schedule produced a completed command', async () => (await commandsOf(h, 'fast')).find((c) => c.status === 'succeeded'), 60_000);
    assert.equal(fired.agentFamily, 'trend_watch');
    const [attempts, runs, log] = await Promise.all([
      h.prisma.runtimeCommandAttempt.findMany({ where: { commandId: fired.id } }),
      h.prisma.runtimeWorkflowRun.findMany({ where: { commandId: fired.id } }),
      h.prisma.agentExecutionLog.findFirst({ where: { commandId: fired.id } }),
    ]);
    assert.equal(attempts.length, 1);
    assert.equal(runs[0]!.status, 'completed');
    assert.equal(log?.status, 'succeeded');
    // The firing workflow closes once its command has; its history guards scheduledCommandWorkflow.
    const firingId = fired.idempotencyKey!.replace(/^schedule:/, '');
    await h.client.workflow.getHandle(firingId).result();
    recordHistory(h, firingId, 'scheduled-command-fired');
    const events = await SseClient.open(`${h.apiUrl}/admin/runtime/events?commandId=${fired.id}&since=0`);
    try {
      await until('command.succeeded event', () => events.eventsFor(fired.id).some((e) => e.type === 'command.succeeded'));
      const types = events.eventsFor(fired.id).map((e) => e.type);
      assert.deepEqual(types.slice(0, 2), ['schedule.fired', 'command.accepted']);
      assert.equal(events.eventsFor(fired.id)[0]!.data.schedule, `${prefix}fast`);
    } finally {
      await events.close();
    }

    const first = await until('the slow command started', async () => (await commandsOf(h, 'slow-skip'))[0], 30_000);
    const done = await until('the slow command finished', () => h.prisma.runtimeCommand.findFirst({ where: { id: first.id, status: 'succeeded' } }), 60_000);
    const skipped = (await describeSchedule('slow-skip')).info.numActionsSkippedOverlap;
    assert.ok(skipped >= 1, `firings skipped while the first ran: ${skipped}`);
    // The finished row's completion time: the row read at its start has none, and a firing after it ended is allowed.
    const during = (await commandsOf(h, 'slow-skip')).filter((c) => c.createdAt < done.completedAt!);
    assert.equal(during.length, 1, 'no second command while the first was in flight');
    const listed = await request(h.apiUrl, 'GET', '/admin/runtime/schedules/slow-skip');
    assert.ok(listed.body.skippedOverlap >= 1, 'the skip is visible in the admin API');
  });

  it('pause, unpause, trigger and backfill through the admin API, each audited', async () => {
    await h.prisma.agentConfiguration.create({ data: row('ops', { scheduleCron: '0 * * * *' }) });
    const synced = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/sync', { headers: ADMIN });
    assert.equal(synced.status, 200, JSON.stringify(synced.body));
    assert.deepEqual(synced.body.created, [`${prefix}ops`]);

    const listed = await request(h.apiUrl, 'GET', '/admin/runtime/schedules');
    const ops = listed.body.items.find((s: { name: string }) => s.name === 'ops');
    assert.equal(ops.synced, true);
    assert.equal(ops.nextRunTimes.length, 3);

    const paused = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/pause', { headers: ADMIN, json: { note: 'provider maintenance' } });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.match(paused.body.note, /provider maintenance \(by ops@startinsight\.io\)/);
    const resumed = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/unpause', { headers: ADMIN, json: { note: 'maintenance over' } });
    assert.equal(resumed.body.paused, false);

    const triggered = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/trigger', { headers: ADMIN, json: {} });
    assert.equal(triggered.status, 202);
    // (>=: the hourly cron itself may fire while the test runs across an hour boundary)
    await until('the triggered command', async () => (await commandsOf(h, 'ops')).length >= 1 || undefined, 30_000);

    const end = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 1000);
    const start = new Date(end.getTime() - 2 * 3_600_000);
    const backfilled = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/backfill', { headers: ADMIN, json: { start: start.toISOString(), end: end.toISOString(), overlap: 'ALLOW_ALL' } });
    assert.equal(backfilled.status, 202, JSON.stringify(backfilled.body));
    await until('two backfilled firings', async () => (await commandsOf(h, 'ops')).length >= 3 || undefined, 60_000);
    const wide = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/backfill', { headers: ADMIN, json: { start: '2020-01-01T00:00:00Z', end: '2026-01-01T00:00:00Z' } });
    assert.equal(wide.status, 400, 'a window over 31 days is refused');
    const anonymous = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/ops/pause', { json: { note: 'who?' }, anonymous: true });
    assert.equal(anonymous.status, 401);
    const unknown = await request(h.apiUrl, 'POST', '/admin/runtime/schedules/nope/trigger', { headers: ADMIN, json: {} });
    assert.equal(unknown.status, 404);

    // The same through the CLI (its --json output parsed): list, pause, resume.
    const cliList = await runCli(h.apiUrl, ['--json', 'schedules', 'list'], 'ops@startinsight.io');
    assert.equal(cliList.code, 0, cliList.stderr);
    assert.ok((JSON.parse(cliList.stdout) as { name: string }[]).some((s) => s.name === 'ops'));
    const cliPause = await runCli(h.apiUrl, ['--json', 'schedules', 'pause', 'ops', '--note', 'from the CLI'], 'ops@startinsight.io');
    assert.equal(cliPause.code, 0, cliPause.stderr);
    assert.equal(JSON.parse(cliPause.stdout).paused, true);
    const cliResume = await runCli(h.apiUrl, ['--json', 'schedules', 'resume', 'ops', '--note', 'back'], 'ops@startinsight.io');
    assert.equal(JSON.parse(cliResume.stdout).paused, false);
    const cliPlan = await runCli(h.apiUrl, ['--json', 'schedules', 'sync', '--dry-run'], 'ops@startinsight.io');
    assert.equal(cliPlan.code, 0, cliPlan.stderr);
    assert.deepEqual(JSON.parse(cliPlan.stdout).unchanged, [`${prefix}ops`]);
    const cliTrigger = await runCli(h.apiUrl, ['--json', 'schedules', 'trigger', 'ops'], 'ops@startinsight.io');
    assert.equal(JSON.parse(cliTrigger.stdout).triggered, true);
    const cliUsage = await runCli(h.apiUrl, ['schedules', 'pause', 'ops']);
    assert.equal(cliUsage.code, 2, 'a missing --note is a usage error');
    assert.match(cliUsage.stderr, /--note/);

    // (other suites sync through the API too, e.g. the OpenAPI examples: only this actor's rows)
    const audit = await h.prisma.runtimeAdminAudit.findMany({ where: { targetType: 'schedule', targetId: { in: ['ops', '*'] }, actor: 'ops@startinsight.io' }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(audit.map((a) => a.action), ['schedule.sync', 'schedule.pause', 'schedule.unpause', 'schedule.trigger', 'schedule.backfill', 'schedule.pause', 'schedule.unpause', 'schedule.sync', 'schedule.trigger']);
    for (const c of await commandsOf(h, 'ops')) await until(`command ${c.id} done`, () => h.prisma.runtimeCommand.findFirst({ where: { id: c.id, status: 'succeeded' } }), 60_000);
  });
});
