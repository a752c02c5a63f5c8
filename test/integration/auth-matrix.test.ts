import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ROUTE_ACCESS, type RouteRole } from '../../api/auth/route-access';
import { REQUIRED_ROLE } from '../../api/openapi/document';
import { ROLES, type Role } from '../../runtime/auth/principal';
import { signTestToken } from '../support/auth';
import { request } from '../support/http';
import { getHarness, type RuntimeHarness } from '../support/runtime-harness';

type Identity = 'anonymous' | Role;
const IDENTITIES: Identity[] = ['anonymous', ...ROLES];

/** Path parameters that reach every route's handler without touching real data. */
const PARAMS: Record<string, string> = { commandId: '6f1c2a4e-3b5d-4e7f-9a8b-0c1d2e3f4a5b', jobId: '6f1c2a4e-3b5d-4e7f-9a8b-0c1d2e3f4a5b', name: 'no-such-schedule', keyId: '000000000000' };

interface Operation {
  key: string;
  method: string;
  path: string;
  role: RouteRole;
}

function expected(role: RouteRole, who: Identity): 'allowed' | 401 | 403 {
  if (role === 'public') return 'allowed';
  if (who === 'anonymous') return 401;
  return ROLES.indexOf(who) >= ROLES.indexOf(role) ? 'allowed' : 403;
}

/** Sends one request and answers its status and error code; an event stream is closed once open. */
async function send(url: string, op: Operation, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, p: string) => PARAMS[p]!) + (op.key === 'POST /admin/runtime/schedules/sync' ? '?dryRun=true' : '');
  const withBody = op.method === 'POST';
  const res = await fetch(`${url}${path}`, { method: op.method, headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) }, body: withBody ? '{}' : undefined });
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status };
  }
  const text = await res.text();
  try {
    return { status: res.status, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code };
  } catch {
    return { status: res.status };
  }
}

describe('authentication and roles: every role x endpoint pair, tenants, API keys, audited refusals', function () {
  let h: RuntimeHarness;
  let operations: Operation[];
  const tokens: Partial<Record<Identity, string>> = {};

  before(async function () {
    this.timeout(240_000);
    h = await getHarness();
    const doc = (await request(h.apiUrl, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, Record<string, unknown>>> };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, role: op[REQUIRED_ROLE] as RouteRole })),
    );
    tokens.client = await signTestToken({ sub: 'matrix-client', role: 'client', tenantId: 'tenant-matrix' });
    tokens.operator = await signTestToken({ sub: 'matrix-operator', role: 'operator' });
    tokens.admin = await signTestToken({ sub: 'matrix-admin', role: 'admin' });
  });

  it('documents the required role of every route, from the one access table', () => {
    // The docs page's script and assets (GET /docs/...) are served but are not API operations.
    const documented = operations.map((o) => o.key).sort();
    assert.deepEqual(documented, Object.keys(ROUTE_ACCESS).filter((k) => !k.startsWith('GET /docs/')).sort());
    for (const op of operations) assert.equal(op.role, ROUTE_ACCESS[op.key]!.role, op.key);
  });

  it('answers each identity on each route as its role allows: 401 anonymous, 403 below the role, through above it; refusals audited', async function () {
    this.timeout(120_000);
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    const wrong: string[] = [];
    let denials = 0;
    for (const op of operations) {
      for (const who of IDENTITIES) {
        const headers: Record<string, string> = { traceparent, ...(who === 'anonymous' ? {} : { Authorization: `Bearer ${tokens[who]}` }) };
        const answer = await send(h.apiUrl, op, headers);
        const want = expected(op.role, who);
        const got = answer.status === 401 ? 401 : answer.status === 403 && answer.code === 'forbidden' ? 403 : 'allowed';
        if (got !== want) wrong.push(`${op.key} as ${who}: expected ${want}, got ${answer.status} ${answer.code ?? ''}`);
        if (want !== 'allowed') denials++;
        if (got === 'allowed' && answer.status >= 500) wrong.push(`${op.key} as ${who}: ${answer.status}`);
      }
    }
    assert.deepEqual(wrong, []);
    const audited = await h.prisma.runtimeAdminAudit.findMany({ where: { action: 'auth.denied', traceId } });
    assert.equal(audited.length, denials, 'every refusal has an audit row');
    assert.ok(audited.some((a) => a.actor === 'anonymous' && a.outcome === 'rejected'));
    assert.ok(audited.some((a) => a.actor === 'matrix-client' && a.targetId === 'POST /admin/runtime/dead-letters/{commandId}/discard'));
    const allowed = await h.prisma.runtimeAdminAudit.findMany({ where: { action: 'auth.allowed', traceId } });
    assert.ok(allowed.some((a) => a.actor === 'matrix-operator' && a.targetId === 'POST /admin/runtime/dead-letters/replay'), 'allowed admin mutations are audited too');
    assert.ok(!allowed.some((a) => a.targetId.startsWith('GET ')), 'reads are logged, not written');
  });

  it('refuses unverifiable tokens with the reason, never a stack or the token', async () => {
    const cases: [string, string][] = [
      [`Bearer ${await signTestToken({ sub: 'late', role: 'admin', expiresIn: '-1m' })}`, 'expired'],
      [`Bearer ${await signTestToken({ sub: 'forger', role: 'admin', secret: 'not-the-runtime-secret-0123456789abcdef' })}`, 'invalid_signature'],
      [`Bearer ${await signTestToken({ sub: 'elsewhere', role: 'admin', audience: 'another-app' })}`, 'invalid_claims'],
      [`Bearer ${await signTestToken({ sub: 'no-tenant' })}`, 'missing_tenant'],
      ['Bearer not.a.jwt', 'malformed'],
      ['Basic dXNlcjpwYXNz', 'malformed_header'],
      [`Bearer sik_000000000000_${'A'.repeat(43)}`, 'unknown_api_key'],
    ];
    for (const [authorization, reason] of cases) {
      const answer = await request(h.apiUrl, 'GET', '/admin/runtime/dead-letters', { headers: { Authorization: authorization } });
      assert.equal(answer.status, 401, reason);
      assert.equal(answer.body.error.code, 'unauthenticated');
      assert.equal(answer.body.error.reason, reason);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
  });

  it('scopes clients to their tenant: another tenant reads 404 and cannot take over an idempotency key', async function () {
    this.timeout(60_000);
    const t1 = await signTestToken({ sub: 'user-1', role: 'client', tenantId: 'tenant-one' });
    const t2 = await signTestToken({ sub: 'user-2', role: 'client', tenantId: 'tenant-two' });
    const key = `tenant-scope-${randomBytes(4).toString('hex')}`;
    const body = { agentFamily: 'research', action: 'summarise', input: { question: 'Tenant scoped?' } };
    const submitted = await request(h.apiUrl, 'POST', '/v1/commands', { json: body, headers: { Authorization: `Bearer ${t1}`, 'Idempotency-Key': key } });
    assert.equal(submitted.status, 202);
    const id = submitted.body.commandId as string;
    const row = await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id } });
    assert.deepEqual([row.ownerTenant, row.submittedBy], ['tenant-one', 'user-1']);
    assert.equal((await request(h.apiUrl, 'GET', `/v1/commands/${id}`, { headers: { Authorization: `Bearer ${t1}` } })).status, 200);
    const stranger = await request(h.apiUrl, 'GET', `/v1/commands/${id}`, { headers: { Authorization: `Bearer ${t2}` } });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.body.error.message, `No command ${id}`, 'indistinguishable from a missing command');
    assert.equal((await request(h.apiUrl, 'GET', `/v1/commands/${id}`)).status, 200, 'operators and admins read every tenant');
    const takeover = await request(h.apiUrl, 'POST', '/v1/commands', { json: body, headers: { Authorization: `Bearer ${t2}`, 'Idempotency-Key': key } });
    assert.equal(takeover.status, 409);
    assert.equal(takeover.body.error.commandId, undefined, 'the other tenant learns nothing of the command');
    assert.equal(await h.prisma.runtimeCommand.count({ where: { idempotencyKey: key } }), 1);
  });

  it('issues, uses and revokes service API keys; revocation applies at once', async function () {
    this.timeout(60_000);
    assert.equal((await request(h.apiUrl, 'POST', '/admin/runtime/api-keys', { json: { name: 'no tenant', role: 'client' } })).status, 400);
    const created = await request(h.apiUrl, 'POST', '/admin/runtime/api-keys', { json: { name: 'ingest bot', role: 'client', tenantId: 'tenant-bot' }, headers: { 'X-Actor': 'key-admin' } });
    assert.equal(created.status, 201);
    const { key, keyId } = created.body as { key: string; keyId: string };
    assert.match(key, new RegExp(`^sik_${keyId}_`));
    const stored = await h.prisma.runtimeApiKey.findUniqueOrThrow({ where: { id: keyId } });
    assert.ok(!stored.secretHash.includes(key.split('_')[2]!), 'only a hash of the secret is stored');
    assert.equal(stored.createdBy, 'key-admin');
    const listed = await request(h.apiUrl, 'GET', '/admin/runtime/api-keys');
    assert.ok(!JSON.stringify(listed.body).includes(key), 'the key is never shown again');

    const asBot = { Authorization: `Bearer ${key}` };
    const submitted = await request(h.apiUrl, 'POST', '/v1/commands', { json: { agentFamily: 'research', action: 'summarise', input: { question: 'From a key' } }, headers: asBot });
    assert.equal(submitted.status, 202);
    assert.equal((await h.prisma.runtimeCommand.findUniqueOrThrow({ where: { id: submitted.body.commandId } })).submittedBy, `apikey:${keyId}`);
    assert.equal((await request(h.apiUrl, 'GET', '/admin/runtime/dead-letters', { headers: asBot })).status, 403, 'a client key is a client');

    const revoked = await request(h.apiUrl, 'POST', `/admin/runtime/api-keys/${keyId}/revoke`, { json: {} });
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await request(h.apiUrl, 'POST', `/admin/runtime/api-keys/${keyId}/revoke`, { json: {} })).status, 200, 'revoking twice is the same outcome');
    const after = await request(h.apiUrl, 'GET', `/v1/commands/${submitted.body.commandId}`, { headers: asBot });
    assert.equal(after.status, 401);
    assert.equal(after.body.error.reason, 'unknown_api_key');
    const audit = await h.prisma.runtimeAdminAudit.findMany({ where: { targetType: 'api_key', targetId: keyId }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(audit.map((a) => a.action), ['api_key.create', 'api_key.revoke']);
  });
});
