#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { CommandEnvelope } from '../runtime/command';
import { RuntimeApiError, RuntimeClient, TERMINAL_STATUSES, type AttemptView, type CommandView } from './runtime-client';
import { checkEnvFile } from './config-check';
import { formatTable } from './table';

/**
 * si-runtime: the operator's command line over the typed client. Exit codes: 0 done, 1 the API
 * refused or the command did not succeed, 2 a usage error. `--json` prints machine-readable output.
 */
const program = new Command()
  .name('si-runtime')
  .description('StartInsight Runtime: submit commands, follow them, handle dead letters')
  .option('--url <url>', 'API base URL', process.env.SI_RUNTIME_URL ?? 'http://127.0.0.1:8080')
  .option('--token <token>', 'bearer token: a JWT or a service API key (default: $SI_RUNTIME_TOKEN)', process.env.SI_RUNTIME_TOKEN)
  .option('--json', 'print JSON instead of tables')
  .showHelpAfterError()
  .exitOverride();

const json = (text: string) => {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InvalidArgumentError('expected a JSON object');
  }
};

function client(): RuntimeClient {
  const o = program.opts<{ url: string; token?: string }>();
  return new RuntimeClient({ baseUrl: o.url, ...(o.token ? { token: o.token } : {}) });
}

function out(value: unknown, human: () => string): void {
  process.stdout.write(`${program.opts<{ json?: boolean }>().json ? JSON.stringify(value, null, 2) : human()}\n`);
}

function attemptsTable(attempts: AttemptView[] = []): string {
  return formatTable(
    ['#', 'status', 'provider/model', 'tokens in', 'tokens out', 'cost USD', 'ms', 'error'],
    attempts.map((a) => [a.attemptNumber, a.status, a.provider ? `${a.provider}/${a.model}` : '-', a.tokensIn, a.tokensOut, a.costUsd, a.durationMs ?? '-', a.errorClass ?? '']),
  );
}

function describe(c: CommandView): string {
  return [`command ${c.commandId}  ${c.status}`, `workflow ${c.workflowId}  trace ${c.traceId}`, c.attempts ? attemptsTable(c.attempts) : ''].filter(Boolean).join('\n');
}

program
  .command('submit')
  .description('submit a command')
  .requiredOption('--family <agentFamily>', 'agent family, e.g. research')
  .requiredOption('--action <action>', 'the family action, e.g. investigate')
  .requiredOption('--input <json>', 'the command input as a JSON object', json)
  .option('--profile <policyProfile>', 'policy profile (default: the runtime default)')
  .option('--idempotency-key <key>', 'repeat a submission safely (default: a new key)')
  .option('--wait', 'wait until the command finishes and print it')
  .action(async (o: { family: string; action: string; input: Record<string, unknown>; profile?: string; idempotencyKey?: string; wait?: boolean }) => {
    const envelope = { agentFamily: o.family, action: o.action, input: o.input, ...(o.profile ? { policyProfile: o.profile } : {}) } as CommandEnvelope;
    const c = client();
    let command = await c.submit(envelope, o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {});
    if (o.wait) command = await c.waitFor(command.commandId);
    out(command, () => describe(command));
    if (o.wait && command.status !== 'succeeded') process.exitCode = 1;
  });

program
  .command('status <commandId>')
  .description('a command and its attempts')
  .action(async (id: string) => {
    const command = await client().get(id);
    out(command, () => describe(command));
  });

program
  .command('watch <commandId>')
  .description('follow a command live until it ends')
  .action(async (id: string) => {
    const c = client();
    const ac = new AbortController();
    const started = Date.now();
    const seen: unknown[] = [];
    const current = await c.get(id);
    if (!TERMINAL_STATUSES.includes(current.status)) {
      for await (const event of c.events({ commandId: id, since: '0' }, { signal: ac.signal })) {
        seen.push(event);
        if (!program.opts<{ json?: boolean }>().json) {
          const attempt = event.data.attemptNumber ? ` #${String(event.data.attemptNumber)}` : '';
          const extra = event.data.errorClass ? ` ${String(event.data.errorClass)}` : '';
          process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${event.type}${attempt}${extra}\n`);
        }
        if (['command.succeeded', 'command.failed', 'command.dead_lettered', 'command.discarded'].includes(event.type)) break;
      }
      ac.abort();
    }
    const final = await c.get(id);
    out({ command: final, events: seen }, () => describe(final));
    if (final.status !== 'succeeded') process.exitCode = 1;
  });

program
  .command('slo')
  .description('service levels and alert states over a window')
  .option('--window <minutes>', 'look-back window in minutes', (v) => Number(v), 1440)
  .action(async (o: { window: number }) => {
    const view = await client().slo(o.window);
    const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
    out(view, () =>
      [
        `window ${view.window.from} .. ${view.window.to}`,
        `reliability     ${pct(view.slo.reliability.value)} (target ${pct(view.slo.reliability.target)}, ${view.slo.reliability.completed} completed)`,
        `trace coverage  ${pct(view.slo.traceCoverage.value)} (target ${pct(view.slo.traceCoverage.target)})`,
        `dead-letter MTTR ${view.slo.deadLetterMttrMs === null ? 'n/a' : `${Math.round(view.slo.deadLetterMttrMs / 1000)} s`}`,
        formatTable(['alert', 'firing', 'value', 'threshold'], view.alerts.map((a) => [a.name, a.firing ? 'FIRING' : 'ok', a.value ?? 'n/a', a.threshold])),
      ].join('\n'),
    );
    if (view.alerts.some((a) => a.firing)) process.exitCode = 1;
  });

program
  .command('config')
  .description('runtime configuration')
  .command('check <envFile>')
  .description('validate an env file: every key with its value, default and allowed range (runs locally, no API call)')
  .action((file: string) => {
    const report = checkEnvFile(file);
    out(report, () =>
      [
        formatTable(['key', 'value', 'default', 'allowed'], report.keys.map((k) => [k.key, k.value ?? '(default)', k.default ?? '(unset)', k.allowed])),
        ...report.problems.map((p) => `INVALID ${p.key}=${p.value ?? '(unset)'}: ${p.reason}; allowed: ${p.allowed}`),
        ...report.unknown.map((k) => `UNKNOWN ${k}: not a runtime key (a typo?)`),
        report.ok ? 'configuration is valid' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    if (!report.ok) process.exitCode = 1;
  });

const dlq = program.command('dlq').description('dead letters');

dlq
  .command('list')
  .description('list dead letters')
  .option('--status <status>', 'parked | replaying | replayed | discarded | expired')
  .option('--family <agentFamily>')
  .option('--error-class <class>')
  .option('--limit <n>', 'page size', (v) => Number(v))
  .option('--cursor <cursor>', 'the nextCursor of the previous page')
  .action(async (o: { status?: string; family?: string; errorClass?: string; limit?: number; cursor?: string }) => {
    const page = await client().listDeadLetters({ status: o.status, agentFamily: o.family, errorClass: o.errorClass, limit: o.limit, cursor: o.cursor });
    out(page, () =>
      [
        formatTable(['command', 'status', 'family', 'error class', 'attempts'], page.items.map((d) => [d.commandId, d.status, d.agentFamily, d.errorClass, d.attempts])),
        page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });

dlq
  .command('show <commandId>')
  .description('one dead letter, its attempts and its audit trail')
  .action(async (id: string) => {
    const dl = await client().getDeadLetter(id);
    out(dl, () => `dead letter ${dl.commandId}  ${dl.status}  ${dl.errorClass}: ${dl.errorMessage}\n${attemptsTable(dl.attemptHistory)}`);
  });

dlq
  .command('replay [commandId]')
  .description('replay one dead letter, or every one a filter matches (--all)')
  .requiredOption('--reason <why>', 'recorded in the audit trail')
  .option('--replay-id <id>', 'makes a repeated replay a no-op (default: a new id)')
  .option('--input-patch <json>', 'merged over the command input', json)
  .option('--all', 'bulk: replay every parked or expired dead letter the filters match')
  .option('--family <agentFamily>')
  .option('--error-class <class>')
  .option('--limit <n>', 'bulk: at most this many', (v) => Number(v))
  .action(async (id: string | undefined, o: { reason: string; replayId?: string; inputPatch?: Record<string, unknown>; all?: boolean; family?: string; errorClass?: string; limit?: number }) => {
    const c = client();
    if (!o.all) {
      if (!id) program.error('give a command id, or --all with filters', { exitCode: 2 });
      const answer = await c.replayDeadLetter(id!, { reason: o.reason, ...(o.replayId ? { replayId: o.replayId } : {}), ...(o.inputPatch ? { inputPatch: o.inputPatch } : {}) });
      out(answer, () => `${answer.outcome} (replay ${answer.replayId})`);
      return;
    }
    const job = await c.bulkReplayDeadLetters({ filter: { agentFamily: o.family, errorClass: o.errorClass }, reason: o.reason, ...(o.limit ? { limit: o.limit } : {}) });
    for (;;) {
      const status = await c.replayJob(job.jobId);
      const s = status.summary;
      if (!program.opts<{ json?: boolean }>().json) process.stderr.write(`\r${JSON.stringify(s)}   `);
      if ((s.running ?? 0) === 0 && (s.pending ?? 0) === 0) {
        if (!program.opts<{ json?: boolean }>().json) process.stderr.write('\n');
        out({ job, status }, () => `job ${job.jobId}: ${job.requested} requested, ${job.failed.length} not started; not completed: ${status.notCompleted.map((n) => n.commandId).join(', ') || 'none'}`);
        if (status.notCompleted.length > 0 || job.failed.length > 0) process.exitCode = 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  });

dlq
  .command('discard <commandId>')
  .description('discard a parked dead letter')
  .requiredOption('--reason <why>', 'recorded in the audit trail')
  .action(async (id: string, o: { reason: string }) => {
    const answer = await client().discardDeadLetter(id, o.reason);
    out(answer, () => `${answer.outcome}: ${answer.commandId}`);
  });

const schedules = program.command('schedules').description('Temporal Schedules declared in agent_configurations');

schedules
  .command('list')
  .description('every schedule with its next run, last run and skipped firings')
  .action(async () => {
    const { items } = await client().listSchedules();
    out(items, () =>
      formatTable(
        ['name', 'family.action', 'every', 'state', 'next run', 'last run', 'skipped'],
        items.map((s) => [s.name, `${s.agentFamily}.${s.action}`, s.cron ?? `${s.intervalSeconds} s`, !s.synced ? 'not synced' : s.paused ? `paused: ${s.note ?? ''}` : 'active', s.nextRunTimes[0] ?? '-', s.lastRun?.startedAt ?? '-', s.skippedOverlap]),
      ),
    );
  });

schedules
  .command('sync')
  .description('make Temporal match agent_configurations')
  .option('--dry-run', 'only show the plan')
  .action(async (o: { dryRun?: boolean }) => {
    const r = await client().syncSchedules(o.dryRun === true);
    out(r, () =>
      [`${r.dryRun ? 'plan' : 'done'}: created ${r.created.length}, updated ${r.updated.length}, paused ${r.paused.length}, unpaused ${r.unpaused.length}, deleted ${r.deleted.length}, unchanged ${r.unchanged.length}`, ...r.invalid.map((i) => `invalid ${i.name}: ${i.problems.join('; ')}`)].join('\n'),
    );
  });

for (const [verb, call] of [
  ['pause', (c: RuntimeClient, name: string, note: string) => c.pauseSchedule(name, note)],
  ['resume', (c: RuntimeClient, name: string, note: string) => c.unpauseSchedule(name, note)],
] as const) {
  schedules
    .command(`${verb} <name>`)
    .description(`${verb} a schedule (audited)`)
    .requiredOption('--note <why>', 'shown on the schedule and recorded in the audit trail')
    .action(async (name: string, o: { note: string }) => {
      const s = await call(client(), name, o.note);
      out(s, () => `${s.name}: ${s.paused ? 'paused' : 'active'} (${s.note ?? ''})`);
    });
}

schedules
  .command('trigger <name>')
  .description('fire a schedule now (audited)')
  .option('--overlap <policy>', 'SKIP | BUFFER_ONE | BUFFER_ALL | CANCEL_OTHER | TERMINATE_OTHER | ALLOW_ALL (default ALLOW_ALL)')
  .action(async (name: string, o: { overlap?: string }) => {
    const answer = await client().triggerSchedule(name, o.overlap);
    out(answer, () => `triggered ${answer.name}`);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // Commander has printed its message already (usage errors, --help, --version).
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof RuntimeApiError) {
    process.stderr.write(`${err.status} ${err.code}: ${err.message}\n`);
    if (program.opts<{ json?: boolean }>().json) process.stdout.write(`${JSON.stringify(err.body, null, 2)}\n`);
    process.exit(1);
  }
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
