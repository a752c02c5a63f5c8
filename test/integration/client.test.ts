import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { RuntimeApiError, RuntimeClient, type StreamedEvent } from '../../client/runtime-client';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { runCli } from '../support/cli';
import { adminToken } from '../support/auth';
import { until } from '../support/until';

/**
 * A network in front of the API that misbehaves on purpose (this stands in for load balancers and
 * flaky links, not for any module of ours): it answers the first `throttle` requests 429 with
 * Retry-After, and cuts every SSE response after `cutAfterFrames` frames.
 */
async function flakyProxy(target: string, opts: { throttle: number; cutAfterFrames?: number }) {
  let throttled = 0;
  const seen: { method: string; path: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, path: req.url!, headers: req.headers });
    if (throttled < opts.throttle && !req.url!.startsWith('/admin/runtime/events')) {
      throttled++;
      res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }));
      return;
    }
    const url = new URL(req.url!, target);
    const upstream = http.request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      let frames = 0;
      up.on('data', (chunk: Buffer) => {
        frames += chunk.toString().split('\n\n').length - 1;
        const cut = opts.cutAfterFrames !== undefined && req.url!.startsWith('/admin/runtime/events') && frames >= opts.cutAfterFrames;
        // Cut once what was written has left, as a dropped connection would: mid-stream, no end.
        res.write(chunk, () => {
          if (!cut) return;
          up.destroy();
          res.destroy();
        });
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

describe('typed client and admin CLI against the real API', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('submits with an idempotency key, retries 429 after Retry-After, and waits for the result', async () => {
    const proxy = await flakyProxy(h.apiUrl, { throttle: 2 });
    try {
      const client = new RuntimeClient({ baseUrl: proxy.url, token: await adminToken() });
      const started = Date.now();
      const accepted = await client.submit({ agentFamily: 'research', action: 'summarise', input: { question: 'Typed client' } });
      assert.ok(Date.now() - started >= 1900, 'waited Retry-After twice');
      const submits = proxy.seen.filter((s) => s.method === 'POST');
      assert.equal(submits.length, 3);
      assert.equal(new Set(submits.map((s) => s.headers['idempotency-key'])).size, 1, 'one key for every try');
      const done = await client.waitFor(accepted.commandId);
      assert.equal(done.status, 'succeeded');
      assert.equal(done.attempts?.length, 1);
      await assert.rejects(client.get('not-a-uuid'), (err: unknown) => err instanceof RuntimeApiError && err.status === 400 && err.code === 'invalid_request');
    } finally {
      await proxy.close();
    }
  });

  it('streams events and resumes a cut stream with Last-Event-ID: nothing missed, nothing twice', async () => {
    const proxy = await flakyProxy(h.apiUrl, { throttle: 0, cutAfterFrames: 3 });
    const ac = new AbortController();
    try {
      const client = new RuntimeClient({ baseUrl: proxy.url, token: await adminToken() });
      const events: StreamedEvent[] = [];
      const cmd = await new RuntimeClient({ baseUrl: h.apiUrl, token: await adminToken() }).submit({ agentFamily: 'research', action: 'summarise', input: { question: 'Stream me', scenario: 'slow:1500' } });
      const reading = (async () => {
        for await (const e of client.events({ commandId: cmd.commandId, since: '0' }, { signal: ac.signal })) {
          events.push(e);
          if (e.type === 'command.succeeded') break;
        }
      })();
      await until('command.succeeded streamed', () => events.some((e) => e.type === 'command.succeeded'), 60_000);
      await reading;
      assert.deepEqual(events.map((e) => e.type), ['command.accepted', 'command.started', 'attempt.started', 'attempt.succeeded', 'command.succeeded']);
      const resumed = proxy.seen.filter((s) => s.path.startsWith('/admin/runtime/events') && s.headers['last-event-id']);
      assert.ok(resumed.length >= 1, 'the client reconnected with Last-Event-ID');
    } finally {
      ac.abort();
      await proxy.close();
    }
  });

  it('the CLI submits and waits, shows attempts as a table, lists, shows, replays and discards dead letters', async () => {
    const exec = (args: string[]) => runCli(h.apiUrl, args);
    const submitted = await exec(['--json', 'submit', '--family', 'trend_watch', '--action', 'refresh', '--input', '{"keywords":["cli"]}', '--wait']);
    assert.equal(submitted.code, 0, submitted.stderr + submitted.stdout);
    const command = JSON.parse(submitted.stdout);
    assert.equal(command.status, 'succeeded');
    const status = await exec(['status', command.commandId]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^#\s+status\s+provider\/model/m);
    assert.match(status.stdout, /succeeded\s+gemini-standin\/gemini-2\.5-flash/);

    const failing = await exec(['--json', 'submit', '--family', 'trend_watch', '--action', 'refresh', '--input', '{"keywords":["cli"],"scenario":"status:400:1"}', '--wait']);
    assert.equal(failing.code, 1, 'a command that did not succeed exits 1');
    const parked = JSON.parse(failing.stdout);
    assert.equal(parked.status, 'dead_lettered');
    const list = await exec(['--json', 'dlq', 'list', '--family', 'trend_watch', '--status', 'parked', '--limit', '200']);
    assert.ok(JSON.parse(list.stdout).items.some((d: { commandId: string }) => d.commandId === parked.commandId));
    const replay = await exec(['dlq', 'replay', parked.commandId, '--reason', 'from the CLI']);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /^signalled \(replay client-/);
    await until('replayed', () => h.prisma.runtimeDeadLetter.findFirst({ where: { commandId: parked.commandId, status: 'replayed' } }));
    const another = JSON.parse((await exec(['--json', 'submit', '--family', 'trend_watch', '--action', 'refresh', '--input', '{"keywords":["cli-2"],"scenario":"status:400:1"}', '--wait'])).stdout);
    const shown = await exec(['--json', 'dlq', 'show', another.commandId]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual([JSON.parse(shown.stdout).status, JSON.parse(shown.stdout).errorClass], ['parked', 'invalid_input']);
    const discarded = await exec(['--json', 'dlq', 'discard', another.commandId, '--reason', 'not needed any more']);
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.equal(JSON.parse(discarded.stdout).commandId, another.commandId);
    await until('discarded', () => h.prisma.runtimeDeadLetter.findFirst({ where: { commandId: another.commandId, status: 'discarded' } }));
    const discardAgain = await exec(['dlq', 'discard', another.commandId, '--reason', 'twice']);
    assert.equal(discardAgain.code, 1, 'the API refuses: exit 1');
    assert.match(discardAgain.stderr, /^409 /);
    const slow = await new RuntimeClient({ baseUrl: h.apiUrl, token: await adminToken() }).submit({ agentFamily: 'trend_watch', action: 'scan', input: { keywords: ['watch'], scenario: 'slow:2000' } });
    const watched = await exec(['watch', slow.commandId]);
    assert.equal(watched.code, 0, watched.stderr);
    assert.match(watched.stdout, /\] attempt\.started #1\n[\s\S]*\] command\.succeeded\n/);
    const slo = await exec(['--json', 'slo', '--window', '60']);
    assert.ok([0, 1].includes(slo.code!), slo.stderr);
    const sloView = JSON.parse(slo.stdout);
    assert.equal(typeof sloView.slo.reliability.completed, 'number');
    assert.equal(sloView.alerts.length, 7);
    assert.equal(slo.code, sloView.alerts.some((a: { firing: boolean }) => a.firing) ? 1 : 0, 'exit 1 exactly when an alert fires');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'si-cli-'));
    writeFileSync(path.join(dir, 'good.env'), '# a comment\nRUNTIME_MAX_CONCURRENCY=8\nOPENCLAW_GATEWAY_TOKEN="a-long-enough-secret-token"\n');
    writeFileSync(path.join(dir, 'bad.env'), 'RUNTIME_MAX_CONCURRENCY=0\nRUNTIME_ENABLE=false\n');
    const good = await exec(['config', 'check', path.join(dir, 'good.env')]);
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /^RUNTIME_MAX_CONCURRENCY\s+8\s+20\s+integer 1\.\.1000$/m);
    assert.match(good.stdout, /^OPENCLAW_GATEWAY_TOKEN\s+\*\*\*/m, 'secrets are masked');
    assert.ok(!good.stdout.includes('a-long-enough-secret-token'));
    const bad = await exec(['--json', 'config', 'check', path.join(dir, 'bad.env')]);
    assert.equal(bad.code, 1);
    const report = JSON.parse(bad.stdout);
    assert.deepEqual(report.problems.map((p: { key: string }) => p.key), ['RUNTIME_MAX_CONCURRENCY']);
    assert.deepEqual(report.unknown, ['RUNTIME_ENABLE']);
    rmSync(dir, { recursive: true, force: true });

    const usage = await exec(['submit', '--family', 'research']);
    assert.equal(usage.code, 2, 'a usage error exits 2');
    assert.match(usage.stderr, /required option '--action <action>' not specified/);
    const refused = await exec(['status', 'nope']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^400 invalid_request/);
  });
});
