import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { signTestToken } from '../support/auth';
import { request } from '../support/http';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';

const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nested(depth - 1) });

describe('abuse protection: body size per route, JSON depth, rate limits per identity and per IP (Redis, fail-safe)', function () {
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  it('gives command inputs their budget and admin bodies a smaller one: 413 with the limit', async () => {
    const padding = 'x'.repeat(20_000);
    const admin = await request(h.apiUrl, 'POST', '/admin/runtime/dead-letters/replay', { json: { reason: padding, filter: { agentFamily: 'research' } } });
    assert.equal(admin.status, 413);
    assert.deepEqual([admin.body.error.code, admin.body.error.limitBytes], ['payload_too_large', h.config.RUNTIME_MAX_ADMIN_BODY_BYTES]);
    const command = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'nope', input: { question: padding } } });
    assert.equal(command.status, 400, 'the same size is within a command budget: validated, not refused for size');
    const huge = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'summarise', input: { question: 'x'.repeat(h.config.RUNTIME_MAX_INPUT_BYTES) } } });
    assert.equal(huge.status, 413);
  });

  it('refuses JSON nested deeper than RUNTIME_MAX_JSON_DEPTH before parsing it', async () => {
    const deep = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'summarise', input: nested(h.config.RUNTIME_MAX_JSON_DEPTH + 5) } });
    assert.equal(deep.status, 400);
    assert.deepEqual([deep.body.error.code, deep.body.error.maxDepth], ['json_too_deep', h.config.RUNTIME_MAX_JSON_DEPTH]);
    // Brackets inside strings are text, not nesting.
    const inString = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'nope', input: { question: '['.repeat(500) } } });
    assert.equal(inString.status, 400);
    assert.equal(inString.body.error.code, 'invalid_request');
  });

  it('limits each identity per minute with 429 and Retry-After, counted in Redis across API replicas', async function () {
    this.timeout(60_000);
    const env = { RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE: '5', REDIS_KEY_PREFIX: `${h.redisPrefix}abuse-${randomBytes(3).toString('hex')}:` };
    const [a, b] = [await h.startApi(env), await h.startApi(env)];
    const token = { Authorization: `Bearer ${await signTestToken({ sub: `limited-${randomBytes(3).toString('hex')}`, role: 'operator' })}` };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(i % 2 ? b.url : a.url, 'GET', '/admin/runtime/dead-letters', { headers: token })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429], 'both replicas draw on one budget');
    const refused = await request(a.url, 'GET', '/admin/runtime/dead-letters', { headers: token });
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.equal(refused.body.error.scope, 'identity');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const other = { Authorization: `Bearer ${await signTestToken({ sub: 'someone-else', role: 'operator' })}` };
    assert.equal((await request(a.url, 'GET', '/admin/runtime/dead-letters', { headers: other })).status, 200, 'another identity has its own budget');
  });

  it('limits each IP, anonymous refusals included; probes stay outside the budget', async function () {
    this.timeout(60_000);
    const api = await h.startApi({ RUNTIME_RATE_LIMIT_IP_PER_MINUTE: '3', REDIS_KEY_PREFIX: `${h.redisPrefix}abuse-ip-${randomBytes(3).toString('hex')}:` });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(api.url, 'GET', '/admin/runtime/dead-letters', { anonymous: true })).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    assert.equal((await request(api.url, 'GET', '/healthz')).status, 200);
    assert.equal((await request(api.url, 'GET', '/readyz')).status, 200);
  });

  it('fails safe when Redis is unreachable: requests are served and each replica still enforces the budget', async function () {
    this.timeout(60_000);
    // A port nothing listens on: the limiter's Redis is never ready.
    const api = await h.startApi({ REDIS_URL: 'redis://127.0.0.1:1', RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE: '4' });
    const token = { Authorization: `Bearer ${await signTestToken({ sub: `no-redis-${randomBytes(3).toString('hex')}`, role: 'operator' })}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(api.url, 'GET', '/admin/runtime/dead-letters', { headers: token })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
  });
});
