import assert from 'node:assert/strict';
import { allSettled, assertEachProjectedOnce } from '../support/fault-checks';
import { request } from '../support/http';
import { faultSuite } from '../support/fault-suite';
import { processEnv, startApiProcess } from '../support/processes';
import { startTcpProxy } from '../support/tcp-proxy';

const body = (brief: string) => ({ agentFamily: 'content', action: 'draft', input: { brief } });

/**
 * RUNTIME_START_WAIT_MS: a submission waits on its workflow start at most that long, and not at all
 * while recent starts took longer (a saturated or hung Temporal), since its 202 would come at the
 * end of the wait regardless. Either way nothing is lost: the start goes on in the background.
 */
describe('submission: waiting on the workflow start', function () {
  this.timeout(180_000);
  const suite = faultSuite();

  it('waits while starts are fast, answers at once while they are slow, and every command runs once', async () => {
    const { h } = suite;
    const waitMs = 1500;
    const env = { ...processEnv(h, `submit-wait-${process.pid}`), RUNTIME_START_WAIT_MS: String(waitMs) };
    await suite.workers.start(env);
    // Temporal behind a proxy the test can freeze: a start then hangs, as on a saturated server.
    const proxy = await startTcpProxy(Number(h.temporal.address.split(':').at(-1)));
    suite.onCleanup(() => proxy.close());
    const { api, apiUrl } = await startApiProcess({ ...env, TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}` });
    suite.track(api);
    const submit = async (brief: string) => {
      const t0 = Date.now();
      const res = await request(apiUrl, 'POST', '/v1/commands', { json: body(brief) });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      return { id: res.body.commandId as string, ms: Date.now() - t0 };
    };

    const fast = await submit('start wait: fast start');
    assert.ok(fast.ms < waitMs, `a fast start is waited for and answered as soon as it is done (${fast.ms} ms)`);

    // A start that hangs: the answer comes at the end of the wait; the start is still in flight.
    proxy.freeze();
    const hung = await submit('start wait: hung start');
    assert.ok(hung.ms >= waitMs, `the answer waited the whole RUNTIME_START_WAIT_MS (${hung.ms} ms)`);
    // It stays hung long enough for the starter's recent start time to pass the wait.
    await new Promise((r) => setTimeout(r, 5 * waitMs));
    proxy.thaw();
    await allSettled(h.prisma, [hung.id], 60_000);

    // Recent starts were slower than the wait: the next submission does not wait, even on a hung start.
    proxy.freeze();
    const next = await submit('start wait: answered at once');
    assert.ok(next.ms < waitMs / 2, `answered without waiting on the start (${next.ms} ms)`);
    proxy.thaw();

    const ids = [fast.id, hung.id, next.id];
    await allSettled(h.prisma, ids, 60_000);
    await assertEachProjectedOnce(h.prisma, ids);
    for (const id of ids) assert.equal((await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id } })).status, 'succeeded');
  });
});
