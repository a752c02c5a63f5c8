import assert from 'node:assert/strict';
import { parityGate } from '../../shadow/gate';
import { parityGate as releaseParityGate } from '../../release/gates/parity-gate';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { signTestToken } from '../support/auth';
import { workflowResult } from '../support/workflow-result';

const ACTOR = { 'X-Actor': 'shadow-test@startinsight.io' };
const INGEST = '/admin/runtime/shadow/legacy-results';

/**
 * Shadow mode end to end: an API with RUNTIME_SHADOW_MODE=true runs real commands on the
 * harness's worker and gateway; legacy results are posted beside them and the parity report pairs
 * the two by the commands' idempotency keys.
 */
describe('shadow mode: non-authoritative results, legacy ingest and the parity report', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;
  let shadowApi: string;
  const since = new Date();
  const run = `${process.pid}-${Date.now()}`;
  const key = (name: string) => `shadow-${run}-${name}`;
  const commandIds: Record<string, string> = {};
  let afterCommands: Date;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    shadowApi = (await h.startApi({ RUNTIME_SHADOW_MODE: 'true' })).url;
    for (const name of ['matching', 'mismatching', 'runtime-only']) {
      const submitted = await request(shadowApi, 'POST', '/v1/commands', {
        json: { agentFamily: 'research', action: 'investigate', input: { question: `Who buys heat pumps? (${name})` } },
        headers: { 'Idempotency-Key': key(name) },
      });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      assert.equal(submitted.body.shadow, true);
      commandIds[name] = submitted.body.commandId;
      await workflowResult(h, submitted.body.workflowId);
    }
    afterCommands = new Date();
  });

  it('never returns a shadow result as the answer: result is withheld, shadowResult carries it', async () => {
    const view = await request(shadowApi, 'GET', `/v1/commands/${commandIds.matching}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.status, 'succeeded');
    assert.equal(view.body.shadow, true);
    assert.equal(view.body.authoritative, false);
    assert.equal(view.body.result, null);
    assert.equal(typeof view.body.shadowResult.summary, 'string');
    // The projection still holds it: only the public view withholds it.
    const row = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: commandIds.matching! } });
    assert.deepEqual(row.result, view.body.shadowResult);
  });

  it('ingests legacy results idempotently and reports matched, mismatched and missing per family', async () => {
    const runtimeLog = await h.prisma.agentExecutionLog.findFirstOrThrow({ where: { source: 'runtime', correlationKey: commandIds.matching! } });
    const cost = Number(runtimeLog.costUsd!.toString());
    const finishedAt = new Date().toISOString();
    const legacy = [
      // Other words than the runtime's (the default rules only ask both to have them), close latency and cost.
      { correlationKey: key('matching'), agentFamily: 'research', action: 'investigate', status: 'succeeded', output: { summary: 'Landlords and installers', findings: ['subsidies'] }, latencyMs: (runtimeLog.durationMs ?? 0) + 200, costUsd: cost, tokensIn: 120, tokensOut: 40, finishedAt },
      { correlationKey: key('mismatching'), agentFamily: 'research', action: 'investigate', status: 'failed', errorClass: 'timeout', errorMessage: 'V1 worker timed out', latencyMs: 30_000, finishedAt },
      { correlationKey: key('legacy-only'), agentFamily: 'research', action: 'investigate', status: 'succeeded', output: { summary: 'Only V1 ran this', findings: [] }, finishedAt },
    ];
    const first = await request(h.apiUrl, 'POST', INGEST, { json: legacy, headers: ACTOR });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.created, 3);

    const again = await request(h.apiUrl, 'POST', INGEST, { json: legacy, headers: ACTOR });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(again.body, { created: 0, unchanged: 3, results: legacy.map((l) => ({ correlationKey: l.correlationKey, outcome: 'unchanged' })) });
    const single = await request(h.apiUrl, 'POST', INGEST, { json: legacy[0], headers: ACTOR });
    assert.equal(single.status, 200, 'a single object is accepted as well as an array');
    assert.equal(await h.prisma.agentExecutionLog.count({ where: { source: 'legacy', correlationKey: { in: legacy.map((l) => l.correlationKey) } } }), 3, 'no duplicate rows');

    const changed = await request(h.apiUrl, 'POST', INGEST, { json: [{ ...legacy[0], output: { summary: 'Rewritten later' } }, { ...legacy[2], correlationKey: key('never-stored') }], headers: ACTOR });
    assert.equal(changed.status, 409, JSON.stringify(changed.body));
    assert.equal(changed.body.error.code, 'legacy_result_conflict');
    assert.deepEqual(changed.body.error.conflicts, [{ correlationKey: key('matching'), fields: ['output'] }]);
    assert.equal(await h.prisma.agentExecutionLog.count({ where: { source: 'legacy', correlationKey: key('never-stored') } }), 0, 'a refused batch writes nothing');

    const parity = await request(h.apiUrl, 'GET', `/admin/runtime/shadow/parity?agentFamily=research&since=${encodeURIComponent(since.toISOString())}`);
    assert.equal(parity.status, 200, JSON.stringify(parity.body));
    assert.equal(parity.body.families.length, 1);
    const research = parity.body.families[0];
    assert.deepEqual(
      { family: research.agentFamily, compared: research.compared, matched: research.matched, mismatched: research.mismatched, missingLegacy: research.missingLegacy, missingRuntime: research.missingRuntime, pending: research.pending },
      { family: 'research', compared: 4, matched: 1, mismatched: 1, missingLegacy: 1, missingRuntime: 1, pending: 0 },
      JSON.stringify(research, null, 2),
    );
    assert.equal(research.parityRate, 0.25);
    assert.equal(research.ok, false);
    assert.equal(parity.body.ok, false);
    assert.equal(parity.body.threshold, 0.95);
    assert.deepEqual(research.mismatches, [
      { correlationKey: key('mismatching'), commandId: commandIds.mismatching, reasons: [{ kind: 'status', legacy: 'failed', runtime: 'succeeded', detail: 'legacy failed, runtime succeeded' }] },
    ]);
    assert.deepEqual(research.missingLegacyKeys, [key('runtime-only')]);
    assert.deepEqual(research.missingRuntimeKeys, [key('legacy-only')]);

    // A window starting after the commands but before the legacy results still pairs them.
    const later = await request(h.apiUrl, 'GET', `/admin/runtime/shadow/parity?agentFamily=research&since=${encodeURIComponent(afterCommands.toISOString())}`);
    const laterResearch = later.body.families[0];
    assert.deepEqual([laterResearch.compared, laterResearch.matched, laterResearch.mismatched, laterResearch.missingLegacy, laterResearch.missingRuntime], [3, 1, 1, 0, 1]);
  });

  it('gives the release gate the same verdict, and a pass under a threshold the pairs reach', async () => {
    const failing = await parityGate(h.prisma, h.config, { since, agentFamily: 'research' });
    assert.equal(failing.ok, false);
    assert.equal(failing.status, 'fail');
    assert.match(failing.summary, /shadow parity: FAIL \(threshold 95\.0%/);
    assert.match(failing.summary, /FAIL research: 1\/4 matched \(25\.0%\), 1 mismatched \[status\], 1 missing legacy, 1 missing runtime/);
    assert.equal(failing.details.families[0]!.matched, 1);
    const passing = await parityGate(h.prisma, { ...h.config, RUNTIME_SHADOW_PARITY_THRESHOLD: 0.25 }, { since, agentFamily: 'research' });
    assert.equal(passing.status, 'pass');
    const empty = await parityGate(h.prisma, h.config, { since: new Date(Date.now() + 60_000) });
    assert.deepEqual([empty.ok, empty.status], [true, 'no_data']);
    // The evidence bundle's parity gate on this database: the planted mismatches fail the release.
    const bundled = await releaseParityGate({ databaseUrl: h.databaseUrl, env: {} }).run();
    assert.deepEqual([bundled.status, bundled.ok], ['failed', false]);
    assert.ok((bundled.details as { problems: string[] }).problems.some((l) => /FAIL research/.test(l)));
  });

  it('answers 400 with every bad field named and for a key repeated in one request; 401 without a token, 403 for a client', async () => {
    const bad = await request(h.apiUrl, 'POST', INGEST, { json: [{ correlationKey: 'has space', agentFamily: 'astrology', action: 'investigate', status: 'maybe', latencyMs: -1 }], headers: ACTOR });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_request');
    assert.deepEqual(bad.body.error.fields.map((f: { path: string }) => f.path).sort(), ['0.agentFamily', '0.correlationKey', '0.finishedAt', '0.latencyMs', '0.status']);
    const anonymous = await request(h.apiUrl, 'POST', INGEST, { json: { correlationKey: 'k', agentFamily: 'research', action: 'investigate', status: 'succeeded', finishedAt: new Date().toISOString() }, anonymous: true });
    assert.equal(anonymous.status, 401);
    const client = { Authorization: `Bearer ${await signTestToken({ sub: 'shadow-client', role: 'client', tenantId: 't' })}` };
    assert.equal((await request(h.apiUrl, 'POST', INGEST, { json: { correlationKey: 'k' }, headers: client })).status, 403);
    assert.equal(await h.prisma.agentExecutionLog.count({ where: { source: 'legacy', correlationKey: 'k' } }), 0);
    const item = { correlationKey: key('twice'), agentFamily: 'research', action: 'investigate', status: 'succeeded', finishedAt: new Date().toISOString() };
    const twice = await request(h.apiUrl, 'POST', INGEST, { json: [item, item], headers: ACTOR });
    assert.equal(twice.status, 400);
    assert.deepEqual(twice.body.error.fields, [{ path: '1.correlationKey', code: 'duplicate_key', message: "repeats item 0's correlationKey" }]);
    const query = await request(h.apiUrl, 'GET', '/admin/runtime/shadow/parity?since=yesterday');
    assert.equal(query.status, 400);
    assert.equal(query.body.error.fields[0].path, 'query.since');
  });
});
