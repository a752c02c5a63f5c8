import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from '../support/http';
import { processEnv, startRuntimeProcesses, type StartedProcess } from '../support/processes';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { until } from '../support/until';

// A family of its own: the drills' shadow commands must not enter the shadow-parity suite's research pairs.
const drillCommand = (name: string) => ({ agentFamily: 'trend_watch', action: 'scan', input: { keywords: [`drill ${name}`], scenario: 'slow:6000' } });

interface Runtime {
  worker: StartedProcess;
  api: StartedProcess;
  apiUrl: string;
}

/**
 * Release drills on separate worker and API processes: settings are flipped the way an operator
 * flips them, by restarting with new environment while commands are in flight.
 */
describe('cutover and rollback drills: RUNTIME_ENABLED and shadow mode flipped with commands in flight', function () {
  this.timeout(300_000);
  let h: RuntimeHarness;
  let env: Record<string, string>;
  const started: Runtime[] = [];
  const drill = randomBytes(3).toString('hex');

  const start = async (overrides: Record<string, string>): Promise<Runtime> => {
    const runtime = await startRuntimeProcesses({ ...env, ...overrides });
    started.push(runtime);
    return runtime;
  };
  /** SIGTERM: the worker finishes its in-flight attempts (shutdownGraceTime) and stops taking tasks. */
  const stop = async (r: Runtime) => {
    r.api.child.kill('SIGTERM');
    r.worker.child.kill('SIGTERM');
    await Promise.all([r.api.exited, r.worker.exited]);
  };
  const submit = async (apiUrl: string, name: string) => {
    const answer = await request(apiUrl, 'POST', '/v1/commands', {
      json: drillCommand(name),
      headers: { 'Idempotency-Key': `drill-${drill}-${name}` },
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    return answer.body as { commandId: string; shadow: boolean };
  };
  /** Submits `n` slow commands and waits until each is at its model call: in flight when the flip comes. */
  const submitInFlight = async (r: Runtime, name: string, n: number, shadow: boolean): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = await submit(r.apiUrl, `${name}-${i}`);
      assert.equal(c.shadow, shadow);
      ids.push(c.commandId);
    }
    await until('every command at its model call', () => ids.every((id) => h.standin.callsFor(id).length === 1) || undefined, 60_000);
    return ids;
  };
  const finished = (ids: string[]) =>
    until('every command finished', async () => ((await h.prisma.runtimeCommand.count({ where: { id: { in: ids }, status: 'succeeded' } })) === ids.length) || undefined, 120_000);

  /** Nothing lost, nothing run twice: one succeeded run, one model call, one audit row each. */
  async function assertEachRanOnce(ids: string[], shadow: boolean): Promise<void> {
    for (const id of ids) {
      const command = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id }, include: { workflowRuns: true, attempts: true } });
      assert.equal(command.status, 'succeeded', id);
      assert.equal(command.shadow, shadow, `${id} shadow`);
      assert.equal(command.workflowRuns.length, 1, `${id}: one workflow run`);
      assert.equal(command.attempts.length, 1, `${id}: one attempt`);
      assert.equal(h.standin.callsFor(id).length, 1, `${id}: one model call`);
      const logs = await h.prisma.agentExecutionLog.findMany({ where: { commandId: id, source: 'runtime' } });
      assert.deepEqual(logs.map((l) => l.shadow), [shadow], `${id}: one execution log row`);
    }
  }

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    env = processEnv(h, `drill-${process.pid}-${drill}`);
  });

  after(() => {
    for (const r of started) {
      r.api.child.kill('SIGKILL');
      r.worker.child.kill('SIGKILL');
    }
  });

  it('rollback: authority returns to legacy, in-flight runtime commands finish as shadow, each once', async () => {
    const authoritative = await start({});
    const ids = await submitInFlight(authoritative, 'rollback', 5, false);
    await stop(authoritative);
    const rolledBack = await start({ RUNTIME_SHADOW_MODE: 'true' });
    await finished(ids);
    await assertEachRanOnce(ids, true);
    const view = await request(rolledBack.apiUrl, 'GET', `/v1/commands/${ids[0]}`);
    assert.deepEqual([view.body.authoritative, view.body.result], [false, null], 'the runtime no longer answers with authority');
    // A client retrying a submission across the flip gets the same command, never a second one.
    const retried = await request(rolledBack.apiUrl, 'POST', '/v1/commands', {
      json: drillCommand('rollback-0'),
      headers: { 'Idempotency-Key': `drill-${drill}-rollback-0` },
    });
    assert.deepEqual([retried.status, retried.body.commandId], [200, ids[0]]);
    await stop(rolledBack);
  });

  it('cutover with a pause: RUNTIME_ENABLED=false refuses new commands while in-flight ones finish; enabled, the runtime is authoritative', async () => {
    const shadowRun = await start({ RUNTIME_SHADOW_MODE: 'true' });
    const ids = await submitInFlight(shadowRun, 'cutover', 4, true);
    await stop(shadowRun);
    const paused = await start({ RUNTIME_ENABLED: 'false' });
    const refused = await request(paused.apiUrl, 'POST', '/v1/commands', { json: drillCommand('paused'), headers: { 'Idempotency-Key': `drill-${drill}-paused` } });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error.code, 'runtime_disabled');
    assert.ok(refused.headers.get('retry-after'));
    await finished(ids);
    // Submitted under shadow mode, they stay shadow: the legacy path answered them.
    await assertEachRanOnce(ids, true);
    assert.equal(await h.prisma.runtimeCommand.count({ where: { idempotencyKey: `drill-${drill}-paused` } }), 0, 'the refused submission left no row');
    await stop(paused);

    const live = await start({});
    const c = await submit(live.apiUrl, 'cutover-live');
    assert.equal(c.shadow, false);
    await finished([c.commandId]);
    await assertEachRanOnce([c.commandId], false);
    const view = await request(live.apiUrl, 'GET', `/v1/commands/${c.commandId}`);
    assert.equal(view.body.authoritative, true);
    assert.equal(typeof view.body.result, 'object');
    assert.notEqual(view.body.result, null, 'an authoritative command answers with its result');
    await stop(live);
  });
});
