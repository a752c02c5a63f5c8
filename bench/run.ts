/**
 * `npm run bench` (issue 16): orchestration overhead (Mode A), the runtime over the real gateway
 * (Mode B) and history replay, measured on this machine in one run. See bench/README.md.
 *
 *   node dist/bench/run.js            full run, results in bench/results/<date>.{json,md,svg}
 *   node dist/bench/run.js --smoke    tiny run (CI, < 60 s), results in a temp dir
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { OpenClawGatewayClient } from '../activities/openclaw/gateway-client';
import { signDevToken } from '../infra/dev-token';
import { createTestDatabase, type TestDatabase } from '../test/support/database-fixture';
import { startGatewayFixture, type GatewayFixture } from '../test/support/gateway-fixture';
import { deleteRedisKeys } from '../test/support/redis-fixture';
import { closedLoop, CompletionWatcher, fixedRate, mapLimit, Progress } from './lib/drivers';
import { directGatewayRun } from './lib/gateway-alone';
import { PgRoundTripCounter } from './lib/pg-proxy';
import { CpuMeter, freePort, hwmMb, killAllChildrenSync, mainThreadOf, RssSampler, sleep, startBackgroundChild, startChild, stopAllChildren, type BenchChild } from './lib/procs';
import { writeReports, type BenchResults, type RunResult, type SideResult } from './lib/report';
import { dist, round } from './lib/stats';
import { timeline } from './lib/timeline';
import { ALLOCATOR_ENV } from '../infra/allocator-env';
import { LevelMeters, type PerCommandFigures } from './lib/level-meters';
import { TemporalRequestMeter } from './lib/temporal-requests';
import { REPO_ROOT, startTemporalServer, TEMPORAL_CLI, type TemporalUnderTest } from './lib/temporal-server';
import { SQLITE_FILE_FLAGS, TRANSFER_QUEUE_FLAGS } from '../runtime/temporal-dev-server';

const smoke = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
/** --temporal-fast: lift the dev server's transfer-queue read limit (see README: why ~150 ms). */
const temporalFast = process.argv.includes('--temporal-fast') || process.env.BENCH_TEMPORAL_FAST === '1';
/** --temporal-rollback-journal: the dev server's SQLite at its own defaults, as every pass before the eighth ran it. */
const rollbackJournal = process.argv.includes('--temporal-rollback-journal');
const sqliteFlags = rollbackJournal ? [] : SQLITE_FILE_FLAGS;
/** --only=A or --only=B: one mode (replay needs Mode A). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).toUpperCase();
/** --levels=50:300,200:400: Mode A's levels (concurrency:commands) instead of the plan's, for profiling runs. */
const levelsArg = process.argv.find((a) => a.startsWith('--levels='))?.slice('--levels='.length);
/** --skip-extras: no fixed-rate run and no database accounting pass (profiling runs). */
const skipExtras = process.argv.includes('--skip-extras');

const PLAN = smoke
  ? {
      modeA: [{ concurrency: 1, commands: 4 }, { concurrency: 5, commands: 10 }],
      fixedRate: { rate: 100, seconds: 0.2 },
      accounting: 3,
      modeB: [{ concurrency: 1, commands: 2 }, { concurrency: 5, commands: 5 }],
      replayActivities: 20,
      warmup: 3,
    }
  : {
      modeA: [{ concurrency: 1, commands: 150 }, { concurrency: 50, commands: 600 }, { concurrency: 200, commands: 800 }],
      fixedRate: { rate: 100, seconds: 5 },
      accounting: 40,
      modeB: [{ concurrency: 1, commands: 30 }, { concurrency: 10, commands: 60 }, { concurrency: 50, commands: 150 }],
      // 4 start/end events + 6 per sequential activity: 166 activities = 1,000 events.
      replayActivities: 166,
      warmup: 20,
    };

if (levelsArg) {
  PLAN.modeA = levelsArg.split(',').map((l) => {
    const [concurrency, commands] = l.split(':').map(Number);
    if (!Number.isInteger(concurrency) || !Number.isInteger(commands) || concurrency! < 1 || commands! < 1) throw new Error(`--levels: '${l}' is not concurrency:commands`);
    return { concurrency: concurrency!, commands: commands! };
  });
}

const progress = new Progress();
const say = (msg: string) => progress.line(msg, true);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'si-bench-'));
const node = process.execPath;
const dist_ = (p: string) => path.join(REPO_ROOT, 'dist', p);

let db: TestDatabase | undefined;
let gateway: GatewayFixture | undefined;
let cleaningUp: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    await stopAllChildren();
    await gateway?.stop().catch((e) => say(`gateway stop failed: ${e}`));
    await db?.drop().catch((e) => say(`database drop failed: ${e}`));
    await deleteRedisKeys(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', `si-bench-${process.pid}:`).catch((e) => say(`redis cleanup failed: ${e}`));
    if (process.env.KEEP_BENCH_TMP === '1') say(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  })();
  return cleaningUp;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    say(`${sig}: stopping every child process and removing temp state`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAllChildrenSync);

/** PostgreSQL backends serving the scratch database (the bench's own polling backends included). */
async function pgBackends(watcher: CompletionWatcher): Promise<number[]> {
  const { rows } = await watcher.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  return rows.map((r) => r.pid);
}

// ---------------------------------------------------------------- runtime processes

interface RuntimeProcs {
  worker: BenchChild;
  api: BenchChild;
  apiUrl: string;
}

async function startRuntime(kind: 'instant' | 'real', runtimeEnv: NodeJS.ProcessEnv, tag: string): Promise<RuntimeProcs> {
  // With the allocator setting `npm start` and deployments use (infra/allocator-env.ts); bare's worker gets it too.
  const env = { ...runtimeEnv, ...ALLOCATOR_ENV };
  const apiPort = await freePort();
  const workerEntry = kind === 'instant' ? dist_('bench/instant-worker.js') : dist_('workers/main.js');
  // BENCH_CPU_PROF_DIR: V8 CPU profiles of the runtime worker (main and workflow threads) and API, written on exit.
  const prof = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const worker = startBackgroundChild(`worker-${tag}`, node, [...prof, workerEntry], { ...env, RUNTIME_BENCHMARK: '1' }, path.join(workDir, `worker-${tag}.log`));
  const api = startChild(`api-${tag}`, node, [...prof, dist_('api/server.js')], { ...env, API_PORT: String(apiPort) }, path.join(workDir, `api-${tag}.log`));
  await Promise.all([worker.waitFor(/"worker running"/, 90_000), api.waitFor(/"api listening"/, 60_000)]);
  return { worker, api, apiUrl: `http://127.0.0.1:${apiPort}` };
}

const COMMAND_BODY = JSON.stringify({ agentFamily: 'research', action: 'investigate', input: { question: 'Who buys heat pumps? (benchmark)' } });

// The API verifies a JWT on every request, as in production; budgets are lifted so the load is not refused.
const BENCH_JWT_SECRET = `bench-${randomUUID()}`;
const BENCH_AUTH_ENV = { RUNTIME_AUTH_JWT_SECRET: BENCH_JWT_SECRET, RUNTIME_RATE_LIMIT_IP_PER_MINUTE: '10000000', RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE: '10000000' };
let benchToken: Promise<string> | undefined;

/** POST /v1/commands with a fresh Idempotency-Key; returns the command id and the HTTP time. */
async function submit(apiUrl: string): Promise<{ ok: boolean; status: number; commandId?: string; submitMs: number; submittedAt: number }> {
  const submittedAt = Date.now();
  const t0 = performance.now();
  try {
    const res = await fetch(`${apiUrl}/v1/commands`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}`, authorization: `Bearer ${await (benchToken ??= signDevToken(BENCH_JWT_SECRET, { sub: 'bench', role: 'operator' }))}` },
      body: COMMAND_BODY,
    });
    const body = (await res.json()) as { commandId?: string };
    const submitMs = performance.now() - t0;
    return { ok: res.status === 202, status: res.status, commandId: body.commandId, submitMs, submittedAt };
  } catch {
    return { ok: false, status: 0, submitMs: performance.now() - t0, submittedAt };
  }
}

interface CommandSample {
  commandId: string;
  submittedAt: number;
  submitMs: number;
  completedAt: number;
  status: string;
}

/** Closed loop of commands through the API, each waited for in the projection. */
async function runtimeLevel(label: string, procs: RuntimeProcs, watcher: CompletionWatcher, concurrency: number, total: number) {
  const samples: CommandSample[] = [];
  let failures = 0;
  const failureKinds: Record<string, number> = {};
  const seconds = await closedLoop(
    concurrency,
    total,
    async () => {
      const s = await submit(procs.apiUrl);
      if (!s.ok || !s.commandId) {
        failures++;
        failureKinds[`http_${s.status}`] = (failureKinds[`http_${s.status}`] ?? 0) + 1;
        return;
      }
      const c = await watcher.wait(s.commandId).catch(() => null);
      if (!c) {
        failures++;
        failureKinds.timeout = (failureKinds.timeout ?? 0) + 1;
        return;
      }
      if (c.status !== 'succeeded') {
        failures++;
        failureKinds[c.status] = (failureKinds[c.status] ?? 0) + 1;
      }
      samples.push({ commandId: s.commandId, submittedAt: s.submittedAt, submitMs: s.submitMs, completedAt: c.completedAt.getTime(), status: c.status });
    },
    (done) => progress.line(`${label} c=${concurrency}: ${done}/${total}`),
  );
  return { samples, failures, failureKinds, seconds };
}

/** completed_at (projection) minus the workflow's close time in Temporal, per command. */
async function projectionLags(client: Client, samples: CommandSample[]): Promise<number[]> {
  const lags = await mapLimit(samples, 16, async (s) => {
    const d = await client.workflow.getHandle(`command-${s.commandId}`).describe();
    return d.closeTime ? s.completedAt - d.closeTime.getTime() : NaN;
  });
  return lags;
}

/** 20 commands from the middle of a level: at high concurrency the last ones run while the load drains. */
function steadySample<T>(all: T[]): T[] {
  const from = Math.max(0, Math.floor(all.length / 2) - 10);
  return all.slice(from, from + 20);
}

function side(seconds: number, samples: { e2e: number; submitMs: number }[], extra: Partial<SideResult> = {}): SideResult {
  return {
    commands: samples.length,
    seconds: round(seconds, 2),
    throughput: round(samples.length / seconds, 1),
    e2eMs: dist(samples.map((s) => s.e2e)),
    submitMs: dist(samples.map((s) => s.submitMs)),
    ...extra,
  };
}

/** One half of a level on one side: its wall time, samples, CPU and Temporal requests per command. */
interface MeasuredHalf extends PerCommandFigures {
  seconds: number;
  samples: { e2e: number; submitMs: number }[];
  commands: number;
  /** Workflow ids and submit times, for the timeline of the level's steady middle. */
  started: { workflowId: string; submittedAt: number }[];
}

interface RuntimeHalf extends MeasuredHalf {
  lags: number[];
  failures: number;
  failureKinds: Record<string, number>;
}

/** A side's halves as one level: wall times add up, samples join, per-command figures are weighted by commands. */
function mergeHalves(halves: MeasuredHalf[]): { seconds: number; samples: { e2e: number; submitMs: number }[] } & PerCommandFigures {
  const commands = halves.reduce((n, h) => n + h.commands, 0);
  const weighted = (pick: (h: MeasuredHalf) => Record<string, number>, digits: number) => {
    const out: Record<string, number> = {};
    for (const h of halves) for (const [k, v] of Object.entries(pick(h))) out[k] = (out[k] ?? 0) + (v * h.commands) / commands;
    for (const k of Object.keys(out)) out[k] = round(out[k]!, digits);
    return out;
  };
  return { seconds: halves.reduce((t, h) => t + h.seconds, 0), samples: halves.flatMap((h) => h.samples), cpu: weighted((h) => h.cpu, 1), temporal: weighted((h) => h.temporal, 2) };
}

/** One half of a level on the runtime's side: its commands through the API, their CPU and projection lags. */
async function runtimeHalf(label: string, procs: RuntimeProcs, watcher: CompletionWatcher, meters: LevelMeters, client: Client, concurrency: number, commands: number): Promise<RuntimeHalf> {
  await meters.start();
  const r = await runtimeLevel(label, procs, watcher, concurrency, commands);
  const figures = await meters.perCommand(commands);
  return {
    seconds: r.seconds,
    samples: r.samples.map((s) => ({ e2e: s.completedAt - s.submittedAt, submitMs: s.submitMs })),
    ...figures,
    commands,
    started: r.samples.map((s) => ({ workflowId: `command-${s.commandId}`, submittedAt: s.submittedAt })),
    lags: await projectionLags(client, r.samples),
    failures: r.failures,
    failureKinds: r.failureKinds,
  };
}

/** A side's meters: CPU of the named processes, and the requests `server` served. */
function levelMeters(server: TemporalUnderTest, procs: ConstructorParameters<typeof CpuMeter>[0]): LevelMeters {
  return new LevelMeters(new CpuMeter(procs), new TemporalRequestMeter(server.metricsUrl));
}

/** A side's per-command figures under their names in the results. */
function perCommandFields(f: PerCommandFigures): Pick<SideResult, 'cpuMsPerCommand' | 'temporalRequestsPerCommand'> {
  return { cpuMsPerCommand: f.cpu, temporalRequestsPerCommand: f.temporal };
}

/** The runtime's side of a level from its halves: failures and their kinds summed, projection lags joined. */
function runtimeSide(halves: RuntimeHalf[], extra: Partial<SideResult>): SideResult {
  const m = mergeHalves(halves);
  const lags = halves.flatMap((h) => h.lags);
  const failureKinds: Record<string, number> = {};
  for (const h of halves) for (const [k, n] of Object.entries(h.failureKinds)) failureKinds[k] = (failureKinds[k] ?? 0) + n;
  return side(m.seconds, m.samples, {
    failures: halves.reduce((n, h) => n + h.failures, 0),
    failureKinds,
    projectionLagMs: dist(lags),
    closeAfterProjectionMs: dist(lags.map((l) => -l)),
    ...perCommandFields(m),
    ...extra,
  });
}

/** Halves of a level: the first takes the odd command. */
function halvesOf(commands: number): [number, number] {
  const first = Math.ceil(commands / 2);
  return [first, commands - first];
}

// ---------------------------------------------------------------- Mode A

async function modeA(results: BenchResults, server: TemporalUnderTest, client: Client): Promise<string> {
  const runs: RunResult[] = PLAN.modeA.map((l) => ({ mode: 'A', concurrency: l.concurrency, commands: l.commands }) as RunResult);
  results.runs.push(...runs);

  // 1. bare Temporal
  const bareQueue = `bench-bare-${process.pid}`;
  say('Mode A: starting the bare-Temporal worker');
  const bare = startBackgroundChild('bare-worker', node, [dist_('bench/bare-worker.js')], { ...process.env, ...ALLOCATOR_ENV, RUNTIME_BENCHMARK: '1', TEMPORAL_ADDRESS: server.address, BENCH_TASK_QUEUE: bareQueue }, path.join(workDir, 'bare-worker.log'));
  await bare.waitFor(/bench worker running/, 90_000);
  const rss = new RssSampler([bare.pid, server.proc.pid]);
  const bareOne = async (tag: string) => {
    const submittedAt = Date.now();
    const t0 = performance.now();
    const handle = await client.workflow.start('bareNoopWorkflow', { taskQueue: bareQueue, workflowId: `bare-${tag}-${randomUUID()}` });
    const submitMs = performance.now() - t0;
    await handle.result();
    return { id: handle.workflowId, submittedAt, submitMs };
  };
  await closedLoop(5, PLAN.warmup, async (i) => void (await bareOne(`warm${i}`)));
  const bareMeters = levelMeters(server, async () => ({ worker: [bare.pid], temporal: [server.proc.pid] }));
  const bareHalf = async (run: RunResult, commands: number, half: string): Promise<MeasuredHalf> => {
    await bareMeters.start();
    const starts: { id: string; submittedAt: number; submitMs: number }[] = [];
    const seconds = await closedLoop(run.concurrency, commands, async (i) => void starts.push(await bareOne(`c${run.concurrency}${half}-${i}`)), (d) =>
      progress.line(`Mode A bare c=${run.concurrency} (${half} half): ${d}/${commands}`),
    );
    // Read before the close times are asked for: those describes are the benchmark's, not bare Temporal's work.
    const figures = await bareMeters.perCommand(commands);
    const samples = await mapLimit(starts, 16, async (s) => {
      const d = await client.workflow.getHandle(s.id).describe();
      return { e2e: d.closeTime!.getTime() - s.submittedAt, submitMs: s.submitMs };
    });
    return { seconds, samples, ...figures, commands, started: starts.map((s) => ({ workflowId: s.id, submittedAt: s.submittedAt })) };
  };
  const recordBare = async (run: RunResult, halves: MeasuredHalf[]) => {
    const m = mergeHalves(halves);
    run.bare = side(m.seconds, m.samples, { workerRssMb: rss.peakMb(bare.pid), temporalRssMb: rss.peakMb(server.proc.pid), ...perCommandFields(m) });
    run.bare.timeline = await timeline(client, steadySample(halves[0]!.started));
    say(`Mode A bare c=${run.concurrency}: ${run.bare.throughput}/s, e2e p50 ${run.bare.e2eMs.p50} ms`);
  };

  // 2. the runtime: worker (real workflow + activities, instant gateway) and API as children.
  const queue = `bench-runtime-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db!.url,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: queue,
    REDIS_KEY_PREFIX: `si-bench-${process.pid}:`,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...BENCH_AUTH_ENV,
  };
  say('Mode A: starting the runtime worker (instant gateway) and API');
  let procs = await startRuntime('instant', env, 'A');
  const watcher = new CompletionWatcher(db!.url);
  const rrss = new RssSampler([procs.worker.pid, procs.api.pid, server.proc.pid]);
  await runtimeLevel('Mode A runtime warm-up', procs, watcher, 5, PLAN.warmup);
  const rtMeters = levelMeters(server, async () => ({ worker: [procs.worker.pid], api: [procs.api.pid], temporal: [server.proc.pid], postgres: await pgBackends(watcher) }));
  const runtimeHalfA = (run: RunResult, commands: number, half: string): Promise<RuntimeHalf> => {
    watcher.pollEvery(modeAPollMs(run.concurrency));
    return runtimeHalf(`Mode A runtime (${half} half)`, procs, watcher, rtMeters, client, run.concurrency, commands);
  };
  const recordRuntime = async (run: RunResult, halves: RuntimeHalf[]) => {
    run.runtime = runtimeSide(halves, {
      workerRssMb: rrss.peakMb(procs.worker.pid),
      apiRssMb: rrss.peakMb(procs.api.pid),
      temporalRssMb: rrss.peakMb(server.proc.pid),
    });
    run.runtime.timeline = await timeline(client, steadySample(halves[0]!.started));
    run.ratio = {
      latencyP50: round(run.runtime.e2eMs.p50 / run.bare!.e2eMs.p50, 2),
      throughput: round(run.runtime.throughput / run.bare!.throughput, 2),
    };
    say(`Mode A runtime c=${run.concurrency}: ${run.runtime.throughput}/s, e2e p50 ${run.runtime.e2eMs.p50} ms (x${run.ratio.latencyP50} bare), worker RSS ${run.runtime.workerRssMb} MB`);
  };

  // Each level runs in mirrored halves, bare, runtime, runtime, bare, on the same dev server: the
  // server's SQLite file grows with every workflow and its throughput drifts with it. Running all
  // of bare's levels first gave the runtime an older server (bench/README.md, "Third pass"); bare
  // then the runtime per level still did, by one side's level ("Fifth pass"). Mirrored halves give
  // both sides the same mean server age.
  for (const run of runs) {
    const [first, second] = halvesOf(run.commands);
    rss.reset();
    rrss.reset();
    const bare1 = await bareHalf(run, first, '1st');
    const runtime1 = await runtimeHalfA(run, first, '1st');
    const runtime2 = second > 0 ? [await runtimeHalfA(run, second, '2nd')] : [];
    const bare2 = second > 0 ? [await bareHalf(run, second, '2nd')] : [];
    await recordBare(run, [bare1, ...bare2]);
    await recordRuntime(run, [runtime1, ...runtime2]);
  }

  // The replay history comes from the bare worker: sequential no-op activities.
  say(`generating a replay history (${PLAN.replayActivities} sequential activities)`);
  const long = await client.workflow.start('bareSequentialNoopsWorkflow', { taskQueue: bareQueue, workflowId: `bare-history-${randomUUID()}`, args: [PLAN.replayActivities] });
  await long.result();
  // The CLI's JSON is what historyFromJSON reads (as test/support/record-history.ts does).
  const historyFile = path.join(workDir, 'replay-history.json');
  writeFileSync(
    historyFile,
    execFileSync(TEMPORAL_CLI, ['workflow', 'show', '--workflow-id', long.workflowId, '--address', server.address, '--namespace', 'default', '--output', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    }),
  );
  rss.stop();
  await bare.stop();

  if (skipExtras) {
    rrss.stop();
    await Promise.all([procs.api.stop(), procs.worker.stop()]);
    await watcher.close();
    return historyFile;
  }

  // 3. API submit latency at a fixed rate; then wait for the backlog to drain.
  const { rate, seconds } = PLAN.fixedRate;
  const total = Math.max(1, Math.round(rate * seconds));
  say(`Mode A: API submit at a fixed ${rate} req/s for ${seconds} s`);
  const fixed: { submitMs: number; ok: boolean; id?: string }[] = [];
  rrss.reset();
  await rtMeters.start();
  const took = await fixedRate(rate, total, async () => {
    const s = await submit(procs.apiUrl);
    fixed.push({ submitMs: s.submitMs, ok: s.ok, id: s.commandId });
  });
  const drainStart = performance.now();
  await Promise.all(fixed.filter((f) => f.id).map((f) => watcher.wait(f.id!, 300_000).catch(() => null)));
  results.runs.push({
    mode: 'A-fixed-rate',
    concurrency: 0,
    commands: total,
    rate,
    runtime: {
      commands: total,
      seconds: round(took, 2),
      throughput: round(total / took, 1),
      submitMs: dist(fixed.map((f) => f.submitMs)),
      failures: fixed.filter((f) => !f.ok).length,
      drainSeconds: round((performance.now() - drainStart) / 1000, 1),
      ...perCommandFields(await rtMeters.perCommand(total)),
      workerRssMb: rrss.peakMb(procs.worker.pid),
      apiRssMb: rrss.peakMb(procs.api.pid),
    },
  } as RunResult);
  rrss.stop();
  const hwm = { workerMb: hwmMb(procs.worker.pid), apiMb: hwmMb(procs.api.pid) };

  // 4. Database accounting: rows per command, round trips per command (through a counting proxy,
  // so the timed runs above never paid for the extra hop), tuples written per command.
  const rowCounts = await countRows(watcher);
  await Promise.all([procs.api.stop(), procs.worker.stop()]);
  await sleep(1500); // exited backends have flushed their table statistics
  const tupBefore = await tupleWrites(watcher);
  say(`Mode A: database accounting pass (${PLAN.accounting} commands at concurrency 1, through a counting proxy)`);
  const dbUrl = new URL(db!.url);
  const apiProxy = new PgRoundTripCounter(dbUrl.hostname, Number(dbUrl.port || 5432));
  const workerProxy = new PgRoundTripCounter(dbUrl.hostname, Number(dbUrl.port || 5432));
  const via = (port: number) => {
    const u = new URL(db!.url);
    u.port = String(port);
    return u.toString();
  };
  const apiProxyPort = await apiProxy.listen();
  const workerProxyPort = await workerProxy.listen();
  const apiPort = await freePort();
  const worker = startBackgroundChild('worker-acct', node, [dist_('bench/instant-worker.js')], { ...env, ...ALLOCATOR_ENV, RUNTIME_BENCHMARK: '1', DATABASE_URL: via(workerProxyPort) }, path.join(workDir, 'worker-acct.log'));
  const api = startChild('api-acct', node, [dist_('api/server.js')], { ...env, ...ALLOCATOR_ENV, DATABASE_URL: via(apiProxyPort), API_PORT: String(apiPort) }, path.join(workDir, 'api-acct.log'));
  await Promise.all([worker.waitFor(/"worker running"/, 90_000), api.waitFor(/"api listening"/, 60_000)]);
  procs = { worker, api, apiUrl: `http://127.0.0.1:${apiPort}` };
  const warm = 3;
  await runtimeLevel('accounting warm-up', procs, watcher, 1, warm);
  await sleep(300);
  apiProxy.reset(200);
  workerProxy.reset(200);
  // Statements of exactly one command (concurrency 1: nothing else is running).
  const one = await runtimeLevel('accounting (one command, statements recorded)', procs, watcher, 1, 1);
  await sleep(300);
  const statements = { api: apiProxy.statements, worker: workerProxy.statements, apiRoundTrips: apiProxy.roundTrips, workerRoundTrips: workerProxy.roundTrips };
  void one;
  apiProxy.reset(0);
  workerProxy.reset(0);
  const acct = await runtimeLevel('accounting', procs, watcher, 1, PLAN.accounting);
  await sleep(300); // the last workflow task finishes after completed_at
  const rt = { api: apiProxy.roundTrips, worker: workerProxy.roundTrips };
  await Promise.all([api.stop(), worker.stop()]); // backends exit and flush their table statistics
  await sleep(1500);
  const tupAfter = await tupleWrites(watcher);
  await Promise.all([apiProxy.close(), workerProxy.close()]);
  const n = acct.samples.length;
  results.db = {
    rowsPerCommand: rowCounts,
    roundTripsPerCommand: { api: round(rt.api / n, 2), worker: round(rt.worker / n, 2), total: round((rt.api + rt.worker) / n, 2) },
    tupleWritesPerCommand: Object.fromEntries(Object.entries(tupAfter).map(([t, v]) => [t, round((v - (tupBefore[t] ?? 0)) / (n + warm + 1), 2)])),
    accountingCommands: n,
    oneCommand: statements,
    method:
      'round trips: PostgreSQL protocol messages that end a request (simple Query or extended-protocol Sync) counted by a TCP proxy in front of PostgreSQL, separately for the API and the worker, over the accounting pass; tuple writes: pg_stat_user_tables n_tup_ins+n_tup_upd+n_tup_del deltas over the whole pass including its warm-up (read after the processes exited, so every backend had flushed its statistics) / commands of the pass; rows: count(*) of each table / commands submitted',
  };
  results.rssPeakHwm = hwm;
  await watcher.close();
  return historyFile;
}

const TABLES = ['runtime_commands', 'runtime_command_attempts', 'runtime_workflow_runs', 'agent_execution_logs', 'runtime_dead_letters', 'runtime_memory_snapshots'];

async function countRows(watcher: CompletionWatcher): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const commands = Number((await watcher.pool.query('SELECT count(*)::int AS n FROM runtime_commands')).rows[0].n);
  for (const t of TABLES) out[t] = round(Number((await watcher.pool.query(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n) / commands, 2);
  out.total = round(Object.values(out).reduce((a, b) => a + b, 0), 2);
  return out;
}

async function tupleWrites(watcher: CompletionWatcher): Promise<Record<string, number>> {
  const { rows } = await watcher.pool.query<{ relname: string; w: string }>(
    'SELECT relname, (n_tup_ins + n_tup_upd + n_tup_del)::bigint AS w FROM pg_stat_user_tables WHERE relname = ANY($1::text[])',
    [TABLES],
  );
  const out: Record<string, number> = {};
  for (const r of rows) out[r.relname] = Number(r.w);
  out.total = Object.values(out).reduce((a, b) => a + b, 0);
  return out;
}

// ---------------------------------------------------------------- Mode B

/**
 * How often Mode B's completion watcher polls at a level. Gateway runs take hundreds of ms, and
 * every poll is CPU (the bench's and PostgreSQL's) on the cores the gateway needs, which the
 * gateway alone never shares: polling every 5 ms cost ~150 ms of CPU per command (2026-12-07), and
 * any CPU beside the gateway slows it ("Sixth pass"). At concurrency 1 the poll paces the run
 * (50 ms); from 10 up the gateway has a queue of runs the runtime keeps full whatever the watcher
 * does (250 ms: 8 polls per command at c50 became under 2). Latency is unaffected either way: it is
 * completed_at - submit, not when the watcher saw it.
 */
function modeBPollMs(concurrency: number): number {
  return concurrency === 1 ? 50 : 250;
}

/**
 * How often Mode A's completion watcher polls at a level. One client waits for each completion
 * before its next submit, so at concurrency 1 polling paces the whole run (5 ms). With a queue
 * of 50 or 200 it only adds work on the cores the runtime shares: each poll reads up to 200 ids,
 * 200 times a second at 5 ms, work that bare Temporal's side (one long poll per result) never
 * paid (bench/README.md). Latency is read from completed_at either way.
 */
function modeAPollMs(concurrency: number): number {
  return concurrency === 1 ? 5 : 25;
}

/** Peak RSS per pid over a side's turns (halves). */
function peakOfTurns(turns: Map<number, number>[], pid: number): number | null {
  const seen = turns.map((t) => t.get(pid)).filter((v): v is number => v !== undefined);
  return seen.length ? Math.max(...seen) : null;
}

async function modeB(results: BenchResults, server: TemporalUnderTest, client: Client): Promise<void> {
  say('Mode B: starting the OpenClaw gateway and the AI-provider stand-in');
  gateway = await startGatewayFixture();
  const gatewayPid = gateway.gatewayPid;
  const gw = new OpenClawGatewayClient({ url: gateway.gatewayUrl, token: gateway.token });
  await gw.connect();
  const runOne = () => directGatewayRun(gw);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: db!.url,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `bench-gateway-${process.pid}`,
    OPENCLAW_GATEWAY_URL: gateway.gatewayUrl,
    OPENCLAW_GATEWAY_TOKEN: gateway.token,
    REDIS_KEY_PREFIX: `si-bench-${process.pid}:`,
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...BENCH_AUTH_ENV,
  };
  // The runtime is up (idle) while the gateway runs alone too: both sides take turns on one gateway.
  say('Mode B: starting the runtime worker (real gateway client) and API');
  const procs = await startRuntime('real', env, 'B');
  const watcher = new CompletionWatcher(db!.url, modeBPollMs(1));
  const rss = new RssSampler([procs.worker.pid, procs.api.pid, gatewayPid]);
  await closedLoop(2, Math.min(4, PLAN.warmup), async () => void (await runOne()));
  await runtimeLevel('Mode B runtime warm-up', procs, watcher, 2, Math.min(4, PLAN.warmup));
  // One meter for both sides: the gateway's CPU per run alone and under the runtime side by side.
  const metersB = levelMeters(server, async () => ({
    worker: [procs.worker.pid],
    api: [procs.api.pid],
    temporal: [server.proc.pid],
    gateway: [gatewayPid],
    gatewayMainThread: [mainThreadOf(gatewayPid)],
    postgres: await pgBackends(watcher),
  }));

  const gatewayHalf = async (run: RunResult, commands: number, half: string): Promise<MeasuredHalf & { failures: number }> => {
    await metersB.start();
    const lat: { ms: number; ok: boolean }[] = [];
    const seconds = await closedLoop(run.concurrency, commands, async () => void lat.push(await runOne()), (d) => progress.line(`Mode B gateway alone c=${run.concurrency} (${half} half): ${d}/${commands}`));
    const ok = lat.filter((l) => l.ok);
    return { seconds, samples: ok.map((l) => ({ e2e: l.ms, submitMs: NaN })), ...(await metersB.perCommand(commands)), commands, started: [], failures: lat.length - ok.length };
  };
  const runtimeHalfB = (run: RunResult, commands: number, half: string): Promise<RuntimeHalf> => {
    watcher.pollEvery(modeBPollMs(run.concurrency));
    return runtimeHalf(`Mode B runtime (${half} half)`, procs, watcher, metersB, client, run.concurrency, commands);
  };

  const runs: RunResult[] = PLAN.modeB.map((l) => ({ mode: 'B', concurrency: l.concurrency, commands: l.commands }) as RunResult);
  results.runs.push(...runs);
  // Mirrored halves per level (gateway alone, runtime, runtime, gateway alone), as in Mode A: the
  // gateway's heap grows with every run (RSS 1.4 GB to 2.4 GB over the mode), so the side that
  // always went second met an older gateway (bench/README.md, "Mode B").
  for (const run of runs) {
    const [first, second] = halvesOf(run.commands);
    rss.reset();
    const gateway1 = await gatewayHalf(run, first, '1st');
    const gatewayTurns = [rss.takeMb()];
    const runtime1 = await runtimeHalfB(run, first, '1st');
    const runtime2 = second > 0 ? [await runtimeHalfB(run, second, '2nd')] : [];
    const runtimeTurns = [rss.takeMb()];
    const gateway2 = second > 0 ? [await gatewayHalf(run, second, '2nd')] : [];
    gatewayTurns.push(rss.takeMb());

    const g = [gateway1, ...gateway2];
    const gm = mergeHalves(g);
    run.gateway = { ...side(gm.seconds, gm.samples), failures: g.reduce((n, h) => n + h.failures, 0), gatewayRssMb: peakOfTurns(gatewayTurns, gatewayPid), ...perCommandFields(gm) };
    delete (run.gateway as Partial<SideResult>).submitMs;
    say(`Mode B gateway alone c=${run.concurrency}: ${run.gateway.throughput} runs/s, p50 ${run.gateway.e2eMs.p50} ms`);

    run.runtime = runtimeSide([runtime1, ...runtime2], {
      workerRssMb: peakOfTurns(runtimeTurns, procs.worker.pid),
      apiRssMb: peakOfTurns(runtimeTurns, procs.api.pid),
      gatewayRssMb: peakOfTurns(runtimeTurns, gatewayPid),
    });
    run.runtime.addedLatencyP50Ms = round(run.runtime.e2eMs.p50 - run.gateway.e2eMs.p50, 1);
    run.ratio = {
      latencyP50: round(run.runtime.e2eMs.p50 / run.gateway.e2eMs.p50, 2),
      throughput: round(run.runtime.throughput / run.gateway.throughput, 2),
    };
    say(`Mode B runtime c=${run.concurrency}: ${run.runtime.throughput}/s (x${run.ratio.throughput} gateway), +${run.runtime.addedLatencyP50Ms} ms p50, ${run.runtime.failures} failures`);
  }
  rss.stop();
  await gw.close();
  await watcher.close();
  await Promise.all([procs.api.stop(), procs.worker.stop()]);
}

// ---------------------------------------------------------------- replay

async function replay(results: BenchResults, historyFile: string): Promise<void> {
  say('replaying the recorded history');
  const history = historyFromJSON(JSON.parse(readFileSync(historyFile, 'utf8')));
  const events = history.events?.length ?? 0;
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed: keep the SDK's default logger
  }
  const b0 = performance.now();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-workflows'), logger: quiet });
  const bundleMs = performance.now() - b0;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await Worker.runReplayHistory({ workflowBundle }, history, `bench-replay-${i}`);
    times.push(performance.now() - t0);
  }
  results.replay = {
    events,
    activities: PLAN.replayActivities,
    firstMs: round(times[0]!, 1),
    medianMs: dist(times).p50,
    runs: times.map((t) => round(t, 1)),
    bundleMs: round(bundleMs, 0),
    method: 'Worker.runReplayHistory with a pre-built bundle (bundling timed separately), 5 times in one process; first = cold',
  };
  say(`replay of ${events} events: first ${results.replay.firstMs} ms, median ${results.replay.medianMs} ms`);
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const t0 = Date.now();
  const startedAt = new Date().toISOString();
  const date = startedAt.slice(0, 10);
  const outDir = smoke ? mkdtempSync(path.join(os.tmpdir(), 'si-bench-smoke-')) : path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const results: BenchResults = {
    smoke,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: round(os.totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAvgAtStart: os.loadavg().map((l) => round(l, 2)),
    },
    startedAt,
    runs: [],
    targets: [],
  };
  say(`${smoke ? 'SMOKE run' : 'full run'}; temp state in ${workDir}`);
  const [database, temporal] = await Promise.all([
    createTestDatabase(),
    startTemporalServer({ dbFile: path.join(workDir, 'temporal.sqlite'), sqliteFlags, logFile: path.join(workDir, 'temporal.log'), extraArgs: temporalFast ? TRANSFER_QUEUE_FLAGS : [] }),
  ]);
  db = database;
  results.setup = {
    database: db.name,
    temporal: `dev server (pinned CLI), persisted to SQLite in a temp dir (${sqliteFlags.join(' ') || 'SQLite defaults: rollback journal'})`,
    temporalExtraArgs: temporalFast ? TRANSFER_QUEUE_FLAGS : [],
    modes: only ?? 'A+B',
    taskQueues: 'one per mode',
  };
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  try {
    const historyFile = only === 'B' ? null : await modeA(results, temporal, client);
    if (only !== 'A') await modeB(results, temporal, client);
    if (historyFile) await replay(results, historyFile);
  } finally {
    await connection.close().catch(() => undefined);
  }
  results.durationSeconds = Math.round((Date.now() - t0) / 1000);
  const suffix = [temporalFast ? 'temporal-fast' : '', rollbackJournal ? 'rollback-journal' : '', only ? `mode-${only}` : ''].filter(Boolean).join('-');
  const files = writeReports(results, outDir, suffix ? `${date}-${suffix}` : date);
  say(`done in ${results.durationSeconds} s: ${files.join(', ')}`);
  const failed = results.targets.filter((t) => t.pass === false).map((t) => t.id);
  say(failed.length ? `targets missed: ${failed.join(', ')}` : 'every target met');
}

main()
  .then(() => cleanup())
  .then(() => process.exit(0))
  .catch(async (err) => {
    progress.line(`failed: ${err instanceof Error ? err.stack : String(err)}`, true);
    await cleanup();
    process.exit(1);
  });
