import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';
import { processEnv, startProcess, startRuntimeProcesses } from '../support/processes';
import { workflowResult } from '../support/workflow-result';

describe('worker and API processes', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;
  let env: Record<string, string>;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    env = processEnv(h, `process-test-${process.pid}`);
  });

  it('run a command as separate processes and stop cleanly on SIGTERM, without logging the token', async () => {
    const { worker, api, apiUrl } = await startRuntimeProcesses(env);
    try {

      const submitted = await request(apiUrl, 'POST', '/v1/commands', {
        json: { agentFamily: 'trend_watch', action: 'refresh', input: { keywords: ['heat pumps', 'solar'] } },
      });
      assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
      await workflowResult(h, submitted.body.workflowId);
      const status = await request(apiUrl, 'GET', submitted.body.statusUrl);
      assert.equal(status.body.status, 'succeeded');

      // Every log line is JSON and carries the ids.
      const lines = worker.output().split('\n').filter((l) => l.includes(submitted.body.commandId));
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const entry = JSON.parse(line);
        assert.equal(entry.commandId, submitted.body.commandId);
        assert.equal(entry.workflowId, submitted.body.workflowId);
        assert.equal(entry.traceId, submitted.body.traceId);
      }
    } finally {
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
    }
    assert.equal(await api.exited, 0, api.output().slice(-2000));
    assert.equal(await worker.exited, 0, worker.output().slice(-2000));
    assert.ok(api.output().includes('"api stopped"'));
    assert.ok(worker.output().includes('"worker stopped"'));
    for (const out of [api.output(), worker.output()]) {
      assert.ok(!out.includes(h.gatewayToken), 'token leaked into logs');
      assert.ok(!out.includes('without MALLOC_ARENA_MAX'), 'launched with the allocator setting, so no warning');
    }
  });

  it('refuses to start the worker against a gateway of another version', async () => {
    // Also launched without the allocator setting, as a deployment that runs node itself might.
    const worker = startProcess('workers/main.js', { ...env, RUNTIME_OPENCLAW_VERSION: '2026.1.1', MALLOC_ARENA_MAX: '' });
    const code = await worker.exited;
    assert.notEqual(code, 0);
    assert.match(worker.output(), /"worker started without MALLOC_ARENA_MAX; set MALLOC_ARENA_MAX=2/);
    assert.match(worker.output(), /reports version 2026\.9\.6, but RUNTIME_OPENCLAW_VERSION is 2026\.1\.1/);
    // The same check runs on every reconnect, counted in si_gateway_version_mismatch_total.
    assert.match(worker.output(), /"gateway version mismatch"/);
  });
});
