import assert from 'node:assert/strict';
import { allSettled, assertEachProjectedOnce, inFlight, logLine as log, submitAll } from '../support/fault-checks';
import { faultSuite } from '../support/fault-suite';
import { processEnv } from '../support/processes';

const COMMANDS = Number(process.env.FAULT_WORKER_KILL_COMMANDS ?? 200);

/**
 * Fault: the worker process is killed (SIGKILL, no graceful shutdown) while 200 commands are in
 * flight, and a new worker starts. Temporal re-delivers the lost workflow tasks and, after the
 * heartbeat timeout, the lost attempts; each retried attempt re-attaches to its gateway run.
 */
describe('fault tolerance: worker killed with 200 commands in flight', function () {
  this.timeout(600_000);
  const suite = faultSuite();

  it('all complete after a restart, each projected exactly once, each model call made once', async () => {
    const { h, workers } = suite;
    const started = Date.now();
    // The default 20 activity slots: 20 attempts at the model, the rest of the 200 workflows
    // running and waiting for a slot (more slots only queue inside the gateway).
    const env = processEnv(h, `fault-worker-kill-${process.pid}`);
    const api = await h.startApi({ TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE! });
    try {
      const first = await workers.start(env);
      // critical_sync: a 10 s heartbeat timeout, so the lost attempts are retried soon after the kill.
      const bodies = Array.from({ length: COMMANDS }, (_, i) => ({
        agentFamily: 'content',
        action: 'draft',
        policyProfile: 'critical_sync',
        input: { brief: `Worker kill ${i}`, scenario: `slow:${1000 + (i % 10) * 200}` },
      }));
      const commands = await submitAll(api.url, bodies);
      log('submitted');
      const ids = commands.map((c) => c.commandId);

      // In flight: a share has finished, many are waiting on the model right now.
      const struck = await inFlight(h.prisma, ids, { done: COMMANDS / 10, running: 10 });
      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();

      const second = await workers.start(env);
      log(`restarted; ${JSON.stringify(struck)}`);
      await allSettled(h.prisma, ids, 300_000).catch(async (err) => {
        const byStatus = await h.prisma.runtimeCommand.groupBy({ by: ['status'], where: { id: { in: ids } }, _count: true });
        const attempts = await h.prisma.runtimeCommandAttempt.groupBy({ by: ['status', 'errorClass'], where: { commandId: { in: ids } }, _count: true });
        log(JSON.stringify({ byStatus, attempts }));
        log(second.output().slice(-4000));
        throw err;
      });
      log('settled');
      const summary = await assertEachProjectedOnce(h.prisma, ids);
      const calls = ids.map((id) => h.standin.callsFor(id).length);
      assert.deepEqual(calls.filter((n) => n !== 1), [], 'one model call per command: a lost attempt re-attaches to its run');
      process.stdout.write(
        `      killed with ${struck.done} succeeded and ${struck.running} attempts running; ` +
          `${summary.retried} commands retried (${summary.reattached} re-attached); recovered in ${Math.round((Date.now() - killedAt) / 1000)} s, total ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      assert.ok(summary.retried > 0, 'the kill did hit attempts in flight');
    } finally {
      await api.close();
    }
  });
});
