import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, startRuntimeProcesses, type StartedProcess } from '../support/processes';
import { until } from '../support/until';

interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; count?: string; buckets?: Record<string, string> }[];
}

interface Scrape {
  families: Map<string, Family>;
  text: string;
}

/** Fetches and parses a /metrics page; the parser throws on any line that is not valid exposition format. */
async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const families = parsePrometheusTextFormat(text) as Family[];
  return { families: new Map(families.map((f) => [f.name, f])), text };
}

/**
 * Observations of a histogram whose series carry `label`. Read off the `_count` lines: the parser
 * (1.1.1) folds labelled histograms into one unlabelled sample, losing their counts.
 */
function histogramCount(text: string, name: string, label: string): number {
  return [...text.matchAll(new RegExp(`^${name}_count\\{([^}]*)\\} (\\S+)$`, 'gm'))]
    .filter((m) => m[1]!.includes(label))
    .reduce((acc, m) => acc + Number(m[2]), 0);
}

/** Sum of a family's samples whose labels include `where`. */
function sum({ families }: Scrape, name: string, where: Record<string, string> = {}): number {
  const family = families.get(name);
  if (!family) return 0;
  return family.metrics
    .filter((m) => Object.entries(where).every(([k, v]) => m.labels?.[k] === v))
    .reduce((acc, m) => acc + Number(m.value ?? m.count ?? 0), 0);
}

describe('metrics: /metrics of the worker and the API agree with the projected rows', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;
  const procs: StartedProcess[] = [];

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  after(() => procs.forEach((p) => p.child.kill('SIGKILL')));

  it('counts attempts, failure classes, tokens and cost exactly as the attempt rows do', async () => {
    // A worker of its own: everything its /metrics counts is one of the commands below.
    const { worker, api, apiUrl } = await startRuntimeProcesses(processEnv(h, `metrics-${process.pid}`));
    procs.push(worker, api);
    const workerMetricsUrl = await until('worker metrics url', () => /"url":"(http:\/\/[^"]+\/metrics)"/.exec(worker.output())?.[1]);
    const scenarios = ['ok', 'ok', 'ok', 'status:400:9', 'status:503:2'];
    const ids: string[] = [];
    for (const scenario of scenarios) {
      const submitted = await request(apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'content', action: 'draft', input: { brief: `metrics ${scenario}`, scenario } } });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      ids.push(submitted.body.commandId);
    }
    await until(
      'all settled',
      async () => (await h.prisma.runtimeCommand.count({ where: { id: { in: ids }, status: { in: ['succeeded', 'dead_lettered'] } } })) === ids.length,
      120_000,
    );

    const families = await scrape(workerMetricsUrl);
    const rows = await h.prisma.runtimeCommandAttempt.findMany({ where: { commandId: { in: ids } } });
    const succeeded = rows.filter((r) => r.status === 'succeeded');
    assert.equal(sum(families, 'si_agent_attempts_total', { outcome: 'succeeded' }), succeeded.length);
    for (const errorClass of ['invalid_input', 'provider_unavailable']) {
      const expected = rows.filter((r) => r.errorClass === errorClass).length;
      assert.ok(expected > 0, errorClass);
      assert.equal(sum(families, 'si_agent_attempts_total', { outcome: 'failed', error_class: errorClass }), expected, errorClass);
    }
    assert.equal(histogramCount(families.text, 'si_agent_attempt_duration_seconds', 'agent_family="content"'), rows.length, 'one latency observation per attempt');
    assert.equal(sum(families, 'si_agent_tokens_total', { direction: 'in' }), succeeded.reduce((a, r) => a + r.tokensIn, 0));
    assert.equal(sum(families, 'si_agent_tokens_total', { direction: 'out' }), succeeded.reduce((a, r) => a + r.tokensOut, 0));
    const cost = succeeded.reduce((a, r) => a + Number(r.costUsd), 0);
    assert.ok(Math.abs(sum(families, 'si_agent_cost_usd_total', { agent_family: 'content' }) - cost) < 1e-5);
    assert.equal(sum(families, 'si_gateway_version_mismatch_total'), 0);
    for (const name of ['si_gateway_runs_in_flight', 'si_events_published_total', 'si_process_resident_memory_bytes']) assert.ok(families.families.has(name), name);
  });

  it('the API reports commands, dead letters and runs as the tables hold them, plus SSE and backlog gauges', async () => {
    const count = async () => ({
      succeeded: await h.prisma.runtimeCommand.count({ where: { status: 'succeeded' } }),
      deadLettered: await h.prisma.runtimeDeadLetter.count({ where: { status: 'parked' } }),
      runs: await h.prisma.runtimeWorkflowRun.count(),
    });
    // Other suites' workflows may still move; compare only a scrape that two identical counts bracket.
    const { before, families, after } = await until('a stable scrape', async () => {
      const before = await count();
      const families = await scrape(`${h.apiUrl}/metrics`);
      const after = await count();
      return JSON.stringify(before) === JSON.stringify(after) ? { before, families, after } : undefined;
    });
    assert.deepEqual(before, after);
    assert.equal(sum(families, 'si_commands', { status: 'succeeded' }), before.succeeded);
    assert.equal(sum(families, 'si_dead_letters', { status: 'parked' }), before.deadLettered);
    assert.equal(sum(families, 'si_workflow_runs'), before.runs);
    for (const name of ['si_sse_clients', 'si_task_queue_backlog', 'si_replays']) assert.ok(families.families.has(name), name);
    assert.ok(families.families.get('si_task_queue_backlog')!.metrics.length > 0, 'Temporal answered the backlog query');
  });
});
