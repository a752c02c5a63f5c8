import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Dist } from './stats';

export interface SideResult {
  commands: number;
  seconds: number;
  throughput: number;
  e2eMs: Dist;
  submitMs: Dist;
  failures?: number;
  failureKinds?: Record<string, number>;
  /** completed_at in the projection minus the workflow's close time in Temporal (negative: projection first). */
  projectionLagMs?: Dist;
  closeAfterProjectionMs?: Dist;
  addedLatencyP50Ms?: number;
  workerRssMb?: number | null;
  apiRssMb?: number | null;
  temporalRssMb?: number | null;
  gatewayRssMb?: number | null;
  drainSeconds?: number;
  /** CPU time (user + system) per command, per process, over the level. */
  cpuMsPerCommand?: Record<string, number>;
  /** Requests the Temporal dev server served per command over the level: frontend RPCs (by operation too) and persistence operations. */
  temporalRequestsPerCommand?: Record<string, number>;
  /** Median gap before each history event (concurrency 1 only). */
  timeline?: { step: string; p50Ms: number }[];
}

export interface RunResult {
  mode: 'A' | 'A-fixed-rate' | 'B';
  concurrency: number;
  commands: number;
  rate?: number;
  bare?: SideResult;
  gateway?: SideResult;
  runtime?: SideResult;
  ratio?: { latencyP50: number; throughput: number };
}

export interface Target {
  id: string;
  description: string;
  target: string;
  value: number | null;
  unit: string;
  pass: boolean | null;
}

export interface BenchResults {
  smoke: boolean;
  machine: Record<string, unknown>;
  startedAt: string;
  durationSeconds?: number;
  setup?: Record<string, unknown>;
  runs: RunResult[];
  db?: Record<string, unknown>;
  rssPeakHwm?: Record<string, number | null>;
  replay?: { events: number; activities: number; firstMs: number; medianMs: number; runs: number[]; bundleMs: number; method: string };
  targets: Target[];
}

function t(id: string, description: string, target: string, value: number | null | undefined, unit: string, ok: (v: number) => boolean): Target {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  return { id, description, target, value: v, unit, pass: v === null ? null : ok(v) };
}

export function evaluateTargets(r: BenchResults): Target[] {
  const a = r.runs.filter((x) => x.mode === 'A' && x.runtime && x.bare);
  const b = r.runs.filter((x) => x.mode === 'B' && x.runtime && x.gateway);
  const topA = a.at(-1);
  const topB = b.at(-1);
  const fixed = r.runs.find((x) => x.mode === 'A-fixed-rate');
  const out: Target[] = [];
  for (const run of a) {
    out.push(t(`A.e2e_p50_ratio.c${run.concurrency}`, `Mode A e2e p50, runtime / bare, concurrency ${run.concurrency}`, '<= 1.3', run.ratio?.latencyP50, 'x', (v) => v <= 1.3));
  }
  if (topA) out.push(t(`A.throughput_ratio.c${topA.concurrency}`, `Mode A throughput, runtime / bare, concurrency ${topA.concurrency}`, '>= 0.8', topA.ratio?.throughput, 'x', (v) => v >= 0.8));
  if (fixed) out.push(t(`A.api_submit_p99.${fixed.rate}rps`, `API submit p99 at a fixed ${fixed.rate} req/s`, '<= 50 ms', fixed.runtime?.submitMs.p99, 'ms', (v) => v <= 50));
  const lagP99 = Math.max(...[...a, ...b].map((x) => x.runtime?.projectionLagMs?.p99 ?? -Infinity));
  out.push(t('projection_lag_p99', 'Projection lag p99 (completed_at - Temporal close time), worst level of both modes', '<= 250 ms', lagP99, 'ms', (v) => v <= 250));
  if (topA) out.push(t(`A.worker_rss.c${topA.concurrency}`, `Runtime worker peak RSS, Mode A concurrency ${topA.concurrency}`, '<= 300 MB', topA.runtime?.workerRssMb, 'MB', (v) => v <= 300));
  if (topB) out.push(t(`B.throughput_ratio.c${topB.concurrency}`, `Mode B throughput, runtime / gateway alone, concurrency ${topB.concurrency}`, '>= 0.9', topB.ratio?.throughput, 'x', (v) => v >= 0.9));
  for (const run of b) {
    out.push(t(`B.added_latency_p50.c${run.concurrency}`, `Mode B latency the runtime adds (runtime p50 - gateway p50), concurrency ${run.concurrency}`, '<= 60 ms', run.runtime?.addedLatencyP50Ms, 'ms', (v) => v <= 60));
  }
  const failures = [...a, ...b].reduce((s, x) => s + (x.runtime?.failures ?? 0), 0) + (fixed?.runtime?.failures ?? 0);
  out.push(t('failures', 'Failed commands (overload or otherwise), every runtime run', '= 0', failures, '', (v) => v === 0));
  if (r.replay) out.push(t('replay_1000_events', `Replay of a ${r.replay.events}-event history (first, cold)`, '< 1000 ms', r.replay.firstMs, 'ms', (v) => v < 1000));
  return out;
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : String(Math.round(x * 10 ** d) / 10 ** d));
const mark = (p: boolean | null) => (p === null ? 'n/a' : p ? 'met' : '**missed**');

/** One table row per side of every run that has the figures: mode, level, side, then `cells`. */
function sideRows(r: BenchResults, has: (sd: SideResult) => boolean, cells: (sd: SideResult) => string): string[] {
  return r.runs.flatMap((x) =>
    ([['bare', x.bare], ['gateway', x.gateway], ['runtime', x.runtime]] as const)
      .filter(([, sd]) => sd !== undefined && has(sd))
      .map(([name, sd]) => `| ${x.mode} | ${x.mode === 'A-fixed-rate' ? `${x.rate} req/s` : x.concurrency} | ${name} | ${cells(sd!)} |`),
  );
}

export function markdown(r: BenchResults): string {
  const L: string[] = [];
  L.push(`# Benchmark ${r.startedAt.slice(0, 10)}${r.smoke ? ' (SMOKE: tiny counts, not representative)' : ''}`, '');
  const extra = (r.setup?.temporalExtraArgs as string[] | undefined) ?? [];
  if (extra.length) L.push(`Temporal dev server started with \`${extra.join(' ')}\` (not the default configuration).`, '');
  L.push(`Started ${r.startedAt}, took ${r.durationSeconds ?? '?'} s. Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, load at start ${JSON.stringify(r.machine.loadAvgAtStart)}.`, '');
  L.push('## Targets', '', '| target | value | wanted | |', '|---|---|---|---|');
  for (const x of r.targets) L.push(`| ${x.description} | ${x.value === null ? '–' : `${x.value} ${x.unit}`} | ${x.target} | ${mark(x.pass)} |`);
  L.push('', '## Mode A: orchestration overhead (instant executor)', '');
  L.push('| concurrency | commands | bare cmd/s | runtime cmd/s | ratio | bare e2e p50/p95/p99 ms | runtime e2e p50/p95/p99 ms | ratio p50 | bare start p50/p99 ms | API submit p50/p99 ms | projection lag p50/p99 ms | worker RSS MB (bare / runtime) | API RSS MB |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const x of r.runs.filter((y) => y.mode === 'A')) {
    const b = x.bare, rt = x.runtime;
    L.push(
      `| ${x.concurrency} | ${x.commands} | ${f(b?.throughput)} | ${f(rt?.throughput)} | ${f(x.ratio?.throughput, 2)} | ${f(b?.e2eMs.p50)} / ${f(b?.e2eMs.p95)} / ${f(b?.e2eMs.p99)} | ${f(rt?.e2eMs.p50)} / ${f(rt?.e2eMs.p95)} / ${f(rt?.e2eMs.p99)} | ${f(x.ratio?.latencyP50, 2)} | ${f(b?.submitMs.p50)} / ${f(b?.submitMs.p99)} | ${f(rt?.submitMs.p50)} / ${f(rt?.submitMs.p99)} | ${f(rt?.projectionLagMs?.p50)} / ${f(rt?.projectionLagMs?.p99)} | ${f(b?.workerRssMb)} / ${f(rt?.workerRssMb)} | ${f(rt?.apiRssMb)} |`,
    );
  }
  for (const x of r.runs.filter((y) => y.mode === 'A')) {
    for (const [name, sd] of [['bare Temporal', x.bare], ['runtime', x.runtime]] as const) {
      if (!sd?.timeline) continue;
      L.push('', `Where one ${name} command's time goes at concurrency ${x.concurrency} (median gap before each history event over 20 commands from the middle of the level; the first row is client submit -> workflow started):`, '', '| step | ms |', '|---|---|');
      for (const s of sd.timeline) L.push(`| ${s.step} | ${s.p50Ms} |`);
    }
  }
  const cpuRows = sideRows(r, (sd) => sd.cpuMsPerCommand !== undefined, (sd) => Object.entries(sd.cpuMsPerCommand!).map(([k, v]) => `${k} ${v}`).join(', '));
  if (cpuRows.length) {
    L.push('', 'CPU time per command (ms of user + system CPU per process over the level; postgres = the backends of the scratch database; 2 cores = 2,000 ms of CPU per second):', '', '| mode | level | side | CPU ms per command |', '|---|---|---|---|', ...cpuRows);
  }
  const temporalRows = sideRows(r, (sd) => sd.temporalRequestsPerCommand?.frontend !== undefined, (sd) => {
    const t = sd.temporalRequestsPerCommand!;
    const ops = Object.entries(t).filter(([k]) => k.startsWith('frontend.')).map(([k, v]) => `${k.slice('frontend.'.length)} ${v}`);
    return `${t.frontend} | ${t.persistence ?? '–'} | ${ops.join(', ')}`;
  });
  if (temporalRows.length) {
    L.push('', "Temporal requests per command (the dev server's own metrics: RPCs its clients made to the frontend, and its persistence operations on SQLite):", '', '| mode | level | side | RPCs | persistence ops | RPCs by operation |', '|---|---|---|---|---|---|', ...temporalRows);
  }
  const fx = r.runs.find((y) => y.mode === 'A-fixed-rate');
  if (fx?.runtime) {
    L.push('', `Fixed rate: ${fx.commands} submissions at ${fx.rate} req/s: API submit p50 ${f(fx.runtime.submitMs.p50)} ms, p95 ${f(fx.runtime.submitMs.p95)} ms, p99 ${f(fx.runtime.submitMs.p99)} ms, max ${f(fx.runtime.submitMs.max)} ms; ${fx.runtime.failures} failed; backlog drained ${fx.runtime.drainSeconds} s after the last submit.`);
  }
  if (r.db) {
    L.push('', '### PostgreSQL per command (Mode A)', '', '```json', JSON.stringify(r.db, null, 2), '```');
  }
  L.push('', '## Mode B: real OpenClaw gateway (AI-provider stand-in behind it)', '');
  L.push('| concurrency | commands | gateway runs/s | runtime cmd/s | ratio | gateway p50/p95/p99 ms | runtime e2e p50/p95/p99 ms | added p50 ms | failures | worker RSS MB | gateway RSS MB |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const x of r.runs.filter((y) => y.mode === 'B')) {
    const g = x.gateway, rt = x.runtime;
    L.push(
      `| ${x.concurrency} | ${x.commands} | ${f(g?.throughput)} | ${f(rt?.throughput)} | ${f(x.ratio?.throughput, 2)} | ${f(g?.e2eMs.p50)} / ${f(g?.e2eMs.p95)} / ${f(g?.e2eMs.p99)} | ${f(rt?.e2eMs.p50)} / ${f(rt?.e2eMs.p95)} / ${f(rt?.e2eMs.p99)} | ${f(rt?.addedLatencyP50Ms)} | ${(g?.failures ?? 0) + (rt?.failures ?? 0)} | ${f(rt?.workerRssMb)} | ${f(rt?.gatewayRssMb ?? g?.gatewayRssMb)} |`,
    );
  }
  if (r.replay) {
    L.push('', '## Replay', '', `${r.replay.events} events (${r.replay.activities} sequential activities): first replay ${r.replay.firstMs} ms, median of 5 ${r.replay.medianMs} ms (${r.replay.runs.join(', ')}); bundling the workflow code once took ${r.replay.bundleMs} ms (not included).`);
  }
  L.push('', 'Definitions and method: bench/README.md.', '');
  return L.join('\n');
}

/** Latency p50 against concurrency, one panel per mode. Plain SVG, no dependency. */
export function svgChart(r: BenchResults): string {
  const W = 420, H = 300, padL = 56, padR = 16, padT = 36, padB = 44;
  const panels: { title: string; series: { name: string; color: string; points: [number, number][] }[] }[] = [
    {
      title: 'Mode A: orchestration overhead',
      series: [
        { name: 'bare Temporal', color: '#1f77b4', points: r.runs.filter((x) => x.mode === 'A' && x.bare).map((x) => [x.concurrency, x.bare!.e2eMs.p50]) },
        { name: 'runtime', color: '#d62728', points: r.runs.filter((x) => x.mode === 'A' && x.runtime).map((x) => [x.concurrency, x.runtime!.e2eMs.p50]) },
      ],
    },
    {
      title: 'Mode B: real gateway',
      series: [
        { name: 'gateway alone', color: '#2ca02c', points: r.runs.filter((x) => x.mode === 'B' && x.gateway).map((x) => [x.concurrency, x.gateway!.e2eMs.p50]) },
        { name: 'runtime', color: '#d62728', points: r.runs.filter((x) => x.mode === 'B' && x.runtime).map((x) => [x.concurrency, x.runtime!.e2eMs.p50]) },
      ],
    },
  ];
  const parts: string[] = [];
  panels.forEach((p, pi) => {
    const ox = pi * W;
    const xs = [...new Set(p.series.flatMap((s) => s.points.map((q) => q[0])))].sort((a, b) => a - b);
    const ymax = Math.max(1, ...p.series.flatMap((s) => s.points.map((q) => q[1])).filter(Number.isFinite)) * 1.15;
    const X = (c: number) => ox + padL + (xs.length <= 1 ? (W - padL - padR) / 2 : (xs.indexOf(c) * (W - padL - padR)) / (xs.length - 1));
    const Y = (v: number) => padT + (H - padT - padB) * (1 - v / ymax);
    parts.push(`<text x="${ox + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${p.title}</text>`);
    parts.push(`<line x1="${ox + padL}" y1="${H - padB}" x2="${ox + W - padR}" y2="${H - padB}" stroke="#333"/>`);
    parts.push(`<line x1="${ox + padL}" y1="${padT}" x2="${ox + padL}" y2="${H - padB}" stroke="#333"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = (ymax * i) / 4;
      parts.push(`<line x1="${ox + padL}" y1="${Y(v)}" x2="${ox + W - padR}" y2="${Y(v)}" stroke="#ddd"/>`);
      parts.push(`<text x="${ox + padL - 6}" y="${Y(v) + 4}" text-anchor="end" font-size="11">${Math.round(v)}</text>`);
    }
    for (const c of xs) parts.push(`<text x="${X(c)}" y="${H - padB + 16}" text-anchor="middle" font-size="11">${c}</text>`);
    parts.push(`<text x="${ox + (W + padL) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">concurrent commands</text>`);
    parts.push(`<text transform="translate(${ox + 14},${(H + padT - padB) / 2}) rotate(-90)" text-anchor="middle" font-size="11">latency p50 (ms)</text>`);
    p.series.forEach((s, si) => {
      const pts = s.points.filter((q) => Number.isFinite(q[1]));
      if (pts.length) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((q) => `${X(q[0]).toFixed(1)},${Y(q[1]).toFixed(1)}`).join(' ')}"/>`);
      for (const q of pts) {
        parts.push(`<circle cx="${X(q[0]).toFixed(1)}" cy="${Y(q[1]).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
        parts.push(`<text x="${(X(q[0]) + 5).toFixed(1)}" y="${(Y(q[1]) - 6).toFixed(1)}" font-size="10" fill="${s.color}">${Math.round(q[1])}</text>`);
      }
      parts.push(`<rect x="${ox + padL + 10}" y="${padT + 4 + si * 16}" width="10" height="10" fill="${s.color}"/>`);
      parts.push(`<text x="${ox + padL + 24}" y="${padT + 13 + si * 16}" font-size="11">${s.name}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W * 2}" height="${H}" viewBox="0 0 ${W * 2} ${H}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}

export function writeReports(r: BenchResults, outDir: string, date: string): string[] {
  r.targets = evaluateTargets(r);
  const files = [path.join(outDir, `${date}.json`), path.join(outDir, `${date}.md`), path.join(outDir, `${date}.svg`)];
  writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(files[1]!, markdown(r));
  writeFileSync(files[2]!, svgChart(r));
  return files;
}
