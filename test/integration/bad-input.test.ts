import assert from 'node:assert/strict';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';
import { request } from '../support/http';

const valid = { agentFamily: 'market_insight', action: 'scan', input: { market: 'EU solar' } };

/** Each case: a malformed envelope and a field path the 400 answer must name. */
const MALFORMED: { name: string; body?: unknown; headers?: Record<string, string>; field: string }[] = [
  { name: 'missing agentFamily', body: { action: 'scan', input: { market: 'x' } }, field: 'agentFamily' },
  { name: 'missing input', body: { agentFamily: 'market_insight', action: 'scan' }, field: 'input' },
  { name: 'unknown agent family', body: { ...valid, agentFamily: 'astrology' }, field: 'agentFamily' },
  { name: 'action of the wrong type', body: { ...valid, action: 42 }, field: 'action' },
  { name: 'action the family does not have', body: { ...valid, action: 'draft' }, field: 'action' },
  { name: 'input is an array', body: { ...valid, input: ['EU solar'] }, field: 'input' },
  { name: 'input field of the wrong type', body: { ...valid, input: { market: 7 } }, field: 'input.market' },
  { name: 'oversized input field', body: { ...valid, input: { market: 'x'.repeat(5000) } }, field: 'input.market' },
  { name: 'unknown policy profile', body: { ...valid, policyProfile: 'yolo' }, field: 'policyProfile' },
  { name: 'unknown top-level field', body: { ...valid, priority: 'high' }, field: '(root)' },
  { name: 'bad traceparent header', body: valid, headers: { traceparent: 'not-a-trace' }, field: 'header:traceparent' },
  { name: 'bad Idempotency-Key header', body: valid, headers: { 'Idempotency-Key': 'k'.repeat(300) }, field: 'header:Idempotency-Key' },
];

describe('POST /v1/commands: bad input', function () {
  this.timeout(180_000);
  let h: RuntimeHarness;

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
  });

  for (const c of MALFORMED) {
    it(`answers 400 naming the field and writes nothing: ${c.name}`, async () => {
      const before = await h.prisma.runtimeCommand.count();
      const answer = await request(h.apiUrl, 'POST', '/v1/commands', { json: c.body, headers: c.headers });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, 'invalid_request');
      const paths: string[] = answer.body.error.fields.map((f: { path: string }) => f.path);
      assert.ok(paths.includes(c.field), `expected ${c.field} among ${paths.join(', ')}`);
      for (const f of answer.body.error.fields) {
        assert.equal(typeof f.message, 'string');
        assert.equal(typeof f.code, 'string');
      }
      assert.equal(await h.prisma.runtimeCommand.count(), before);
    });
  }

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    const answer = await request(h.apiUrl, 'POST', '/v1/commands', { rawBody: '{"agentFamily":', headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'invalid_json');
  });

  it('answers 413 for a body over RUNTIME_MAX_INPUT_BYTES', async () => {
    const answer = await request(h.apiUrl, 'POST', '/v1/commands', {
      json: { ...valid, input: { market: 'x', context: 'y'.repeat(h.config.RUNTIME_MAX_INPUT_BYTES) } },
    });
    assert.equal(answer.status, 413);
    assert.equal(answer.body.error.code, 'payload_too_large');
    assert.equal(answer.body.error.limitBytes, h.config.RUNTIME_MAX_INPUT_BYTES);
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const answer = await request(h.apiUrl, 'POST', '/v1/commands', { rawBody: 'agentFamily=research', headers: { 'content-type': 'text/plain' } });
    assert.equal(answer.status, 415);
    assert.equal(answer.body.error.code, 'unsupported_media_type');
  });

  it('answers 404 for an unknown command and 400 for a malformed id', async () => {
    const unknown = await request(h.apiUrl, 'GET', '/v1/commands/8d3c1f9e-4b7a-4c2d-9e1f-0a1b2c3d4e5f');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
    const malformed = await request(h.apiUrl, 'GET', '/v1/commands/not-an-id');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.fields[0].path, 'commandId');
  });
});
