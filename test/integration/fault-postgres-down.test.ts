import assert from 'node:assert/strict';
import { allSettled, assertEachProjectedOnce, logLine, submitAll } from '../support/fault-checks';
import { request } from '../support/http';
import { faultSuite } from '../support/fault-suite';
import { processEnv, startRuntimeProcesses } from '../support/processes';
import { startTcpProxy, viaProxy } from '../support/tcp-proxy';
import { until } from '../support/until';

/** How long PostgreSQL is away (the 20 s; shorter only to iterate locally). */
const OUTAGE_MS = Number(process.env.FAULT_PG_OUTAGE_MS ?? 20_000);
const COMMANDS = 40;

/**
 * Fault: PostgreSQL goes away for 20 s mid-run. The worker and API processes reach it through a
 * loopback proxy (the machine's PostgreSQL serves everyone else and must keep running); pausing the
 * proxy resets their connections and refuses new ones, as a crashed or restarting server does.
 * The test itself reads the database directly, so it sees what was projected at every moment.
 */
describe('fault tolerance: PostgreSQL unavailable for 20 s mid-run', function () {
  this.timeout(600_000);
  const suite = faultSuite();

  it('reads answer 503 database_unavailable meanwhile, the API recovers alone, projections retry and nothing is lost', async () => {
    const { h } = suite;
    const proxy = await startTcpProxy(Number(new URL(h.databaseUrl).port || 5432));
    suite.onCleanup(() => proxy.close());
    const env = { ...processEnv(h, `fault-pg-${process.pid}`), DATABASE_URL: viaProxy(h.databaseUrl, proxy) };
    const { worker, api, apiUrl } = await startRuntimeProcesses(env);
    suite.track(worker, api);

    // Spread over the outage: some finish before it, many are at the model when it starts, some
    // answer while it lasts, the rest after.
    const bodies = Array.from({ length: COMMANDS }, (_, i) => ({
      agentFamily: 'content',
      action: 'draft',
      input: { brief: `PostgreSQL outage ${i}`, scenario: `slow:${1000 + i * Math.round(OUTAGE_MS / COMMANDS) + (i % 2) * 500}` },
    }));
    const commands = await submitAll(apiUrl, bodies);
    const ids = commands.map((c) => c.commandId);
    await until('a first command done', () => h.prisma.runtimeCommand.findFirst({ where: { id: { in: ids }, status: 'succeeded' } }), 120_000);
    const before = await h.prisma.runtimeCommand.groupBy({ by: ['status'], where: { id: { in: ids } }, _count: true });

    await proxy.pause();
    const downAt = Date.now();
    logLine(`PostgreSQL paused with ${JSON.stringify(before.map((b) => [b.status, b._count]))}`);
    const answers: { status: number; code?: string; retryAfter: string | null }[] = [];
    while (Date.now() - downAt < OUTAGE_MS) {
      const read = await request(apiUrl, 'GET', `/v1/commands/${ids[answers.length % ids.length]}`);
      answers.push({ status: read.status, code: read.body?.error?.code, retryAfter: read.headers.get('retry-after') });
      await new Promise((r) => setTimeout(r, 1000));
    }
    const submitDuringOutage = await request(apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'content', action: 'draft', input: { brief: 'while PostgreSQL is down' } } });
    const readyDuringOutage = await request(apiUrl, 'GET', '/readyz');
    await proxy.resume();
    logLine(`PostgreSQL back after ${Math.round((Date.now() - downAt) / 1000)} s`);

    // Reads during the outage: every one a 503 with the machine-readable body, never a 500.
    assert.ok(answers.length >= Math.floor(OUTAGE_MS / 2000), `${answers.length} reads during the outage`);
    assert.deepEqual([...new Set(answers.map((a) => `${a.status} ${a.code} retry-after=${a.retryAfter}`))], ['503 database_unavailable retry-after=5']);
    assert.equal(submitDuringOutage.status, 503, JSON.stringify(submitDuringOutage.body));
    assert.equal(submitDuringOutage.body.error.code, 'database_unavailable');
    assert.equal(readyDuringOutage.status, 503, JSON.stringify(readyDuringOutage.body));

    // The API recovers on its own: the same process answers reads again.
    const recoveredAt = Date.now();
    await until('reads answer 200 again', async () => (await request(apiUrl, 'GET', `/v1/commands/${ids[0]}`)).status === 200, 30_000);
    logLine(`API answering again ${Date.now() - recoveredAt} ms after PostgreSQL returned`);
    assert.equal((await request(apiUrl, 'GET', '/readyz')).status, 200);

    await allSettled(h.prisma, ids, 240_000);
    const summary = await assertEachProjectedOnce(h.prisma, ids).catch((err) => {
      process.stdout.write(worker.output().split('\n').filter((l) => /"level":"(warn|error)"/.test(l)).slice(0, 80).join('\n').slice(0, 20_000) + '\n');
      throw err;
    });
    const calls = ids.map((id) => h.standin.callsFor(id).length);
    assert.deepEqual(calls.filter((n) => n !== 1), [], 'one model call per command');
    logLine(`all ${COMMANDS} settled ${Math.round((Date.now() - recoveredAt) / 1000)} s after recovery; ${summary.retried} retried, ${summary.reattached} re-attached, ${summary.attempts} attempt rows`);
    assert.equal(await h.prisma.runtimeCommand.count({ where: { input: { path: ['brief'], equals: 'while PostgreSQL is down' } } }), 0, 'the refused submission wrote nothing');
    assert.match(api.output(), /"database unavailable"/);
    // Attempts that answered during the outage waited for their row instead of failing (and
    // burning retry attempts, which dead-lettered commands before activities/execute-agent.ts waited).
    assert.match(worker.output(), /"database unavailable: the attempt waits for it"/);
  });
});
