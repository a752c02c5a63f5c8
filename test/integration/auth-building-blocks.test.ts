import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwtVerifier, TokenRejected, type JwtConfig } from '../../api/auth/jwt-verifier';
import { assertJsonDepth } from '../../api/abuse/json-depth';
import { RequestBudget } from '../../api/abuse/rate-limiter';
import { ApiError } from '../../api/errors';
import { createLogger } from '../../infra/logger';
import { createRedis } from '../../infra/redis';
import { ApiKeyStore } from '../../persistence/api-keys';
import { principalFromClaims, roleAllows } from '../../runtime/auth/principal';
import { createTestDatabase, type TestDatabase } from '../support/database-fixture';
import { deleteRedisKeys } from '../support/redis-fixture';
import { freePort } from '../support/gateway-fixture';

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type SigningKey = Awaited<ReturnType<Jose['generateKeyPair']>>['privateKey'];
type Jwk = Awaited<ReturnType<Jose['exportJWK']>>;
const SECRET = 'test-hs256-secret-of-at-least-32-characters!';
const base: JwtConfig = { RUNTIME_AUTH_JWT_SECRET: SECRET, RUNTIME_AUTH_JWKS_URL: undefined, RUNTIME_AUTH_JWKS_CACHE_SECONDS: 600, RUNTIME_AUTH_JWT_ISSUER: 'https://project.supabase.co/auth/v1', RUNTIME_AUTH_JWT_AUDIENCE: 'authenticated' };
const claims = { sub: 'user-1', app_metadata: { role: 'client', tenant_id: 'acme' } };

async function rejectedWith(p: Promise<unknown>, reason: TokenRejected['reason']): Promise<void> {
  await assert.rejects(p, (err) => err instanceof TokenRejected && err.reason === reason);
}

describe('auth building blocks: JWT verification (jose), claim mapping, API keys, rate limits, JSON depth', function () {
  let jose: Jose;
  const hs = (payload: Record<string, unknown>, opts: { secret?: string; exp?: string | number; aud?: string; iss?: string } = {}) =>
    new jose.SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .setAudience(opts.aud ?? 'authenticated')
      .setIssuer(opts.iss ?? base.RUNTIME_AUTH_JWT_ISSUER!)
      .sign(new TextEncoder().encode(opts.secret ?? SECRET));

  before(async () => {
    jose = await import('jose');
  });

  describe('HS256 (shared secret)', () => {
    const verify = createJwtVerifier(base);
    it('accepts a valid token and maps its claims to a principal', async () => {
      const payload = await verify(await hs(claims));
      assert.deepEqual(principalFromClaims(payload), { actor: 'user-1', role: 'client', tenantId: 'acme', via: 'jwt' });
    });
    it('refuses a bad signature, an expired token, another audience or issuer, and garbage', async () => {
      await rejectedWith(verify(await hs(claims, { secret: 'another-secret-that-is-also-long-enough!!' })), 'invalid_signature');
      await rejectedWith(verify(await hs(claims, { exp: Math.floor(Date.now() / 1000) - 60 })), 'expired');
      await rejectedWith(verify(await hs(claims, { aud: 'anon' })), 'invalid_claims');
      await rejectedWith(verify(await hs(claims, { iss: 'https://evil.example/auth/v1' })), 'invalid_claims');
      await rejectedWith(verify('not.a.jwt'), 'malformed');
      await rejectedWith(verify(await new jose.UnsecuredJWT(claims).setExpirationTime('5m').encode()), 'unsupported_algorithm');
    });
  });

  describe('JWKS (RS256 and ES256 keys served over real HTTP)', () => {
    let server: Server;
    let fetches = 0;
    const keys: Record<string, SigningKey> = {};
    let url = '';
    before(async () => {
      const jwks: Jwk[] = [];
      for (const [kid, alg] of [['rsa-1', 'RS256'], ['ec-1', 'ES256']] as const) {
        const pair = await jose.generateKeyPair(alg, { extractable: true });
        keys[kid] = pair.privateKey;
        jwks.push({ ...(await jose.exportJWK(pair.publicKey)), kid, alg, use: 'sig' });
      }
      server = createServer((_req, res) => {
        fetches++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: jwks }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));
    const sign = (kid: string, alg: string, key: SigningKey, exp: string | number = '5m') =>
      new jose.SignJWT({ sub: 'svc-9', app_metadata: { role: 'operator' } }).setProtectedHeader({ alg, kid }).setExpirationTime(exp).setAudience('authenticated').setIssuer(base.RUNTIME_AUTH_JWT_ISSUER!).sign(key);

    it('verifies RS256 and ES256 tokens, fetching the key set once and caching it', async () => {
      const verify = createJwtVerifier({ ...base, RUNTIME_AUTH_JWT_SECRET: undefined, RUNTIME_AUTH_JWKS_URL: url });
      for (let i = 0; i < 3; i++) {
        assert.equal((await verify(await sign('rsa-1', 'RS256', keys['rsa-1']!))).sub, 'svc-9');
        assert.equal((await verify(await sign('ec-1', 'ES256', keys['ec-1']!))).sub, 'svc-9');
      }
      assert.equal(fetches, 1);
      assert.deepEqual(principalFromClaims(await verify(await sign('ec-1', 'ES256', keys['ec-1']!))), { actor: 'svc-9', role: 'operator', tenantId: null, via: 'jwt' });
    });
    it('refuses a key it does not publish, an expired token, and HS256 when no secret is configured', async () => {
      const verify = createJwtVerifier({ ...base, RUNTIME_AUTH_JWT_SECRET: undefined, RUNTIME_AUTH_JWKS_URL: url });
      const stranger = await jose.generateKeyPair('ES256');
      await rejectedWith(verify(await sign('ec-1', 'ES256', stranger.privateKey)), 'invalid_signature');
      await rejectedWith(verify(await sign('rsa-1', 'RS256', keys['rsa-1']!, Math.floor(Date.now() / 1000) - 60)), 'expired');
      await rejectedWith(verify(await hs(claims)), 'unsupported_algorithm');
    });
  });

  it('maps claims: default role client, client needs a tenant, unknown roles and subjects refused', () => {
    assert.equal(principalFromClaims({ sub: 'u', app_metadata: {} }), 'missing_tenant');
    assert.equal(principalFromClaims({ sub: 'u', app_metadata: { role: 'root' } }), 'invalid_role');
    assert.equal(principalFromClaims({ app_metadata: { role: 'admin' } }), 'invalid_subject');
    assert.deepEqual(principalFromClaims({ sub: 'a', role: 'service_role', app_metadata: { role: 'admin' } }), { actor: 'a', role: 'admin', tenantId: null, via: 'jwt' });
    assert.ok(roleAllows('admin', 'operator') && roleAllows('operator', 'client') && !roleAllows('client', 'operator') && !roleAllows('operator', 'admin'));
  });

  describe('API keys (runtime_api_keys, real PostgreSQL)', () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase();
    });
    after(() => db.drop());
    it('stores only a hash, verifies the key, refuses a wrong secret, and stops working when revoked', async () => {
      const store = new ApiKeyStore(db.prisma);
      const { key, row } = await store.create({ name: 'billing-sync', role: 'client', tenantId: 'acme', createdBy: 'test' });
      assert.match(key, /^sik_[0-9a-f]{12}_/);
      const stored = await db.prisma.runtimeApiKey.findUniqueOrThrow({ where: { id: row.id } });
      assert.ok(!key.includes(stored.secretHash) && stored.secretHash.length === 64);
      assert.deepEqual(await store.verify(key), { actor: `apikey:${row.id}`, role: 'client', tenantId: 'acme', via: 'api_key' });
      assert.equal(await store.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`), undefined);
      assert.equal(await store.verify('sik_nonsense'), undefined);
      assert.equal(await store.revoke(row.id), true);
      assert.equal(await store.verify(key), undefined);
      assert.equal(await store.revoke(row.id), false);
      await assert.rejects(store.create({ name: 'x', role: 'client', createdBy: 'test' }), /tenant/);
    });
  });

  describe('rate limits (Redis shared across replicas, in-process when Redis is down)', () => {
    const logger = createLogger('test', 'error');
    const prefix = `si-test-rl-${process.pid}:`;
    after(() => deleteRedisKeys('redis://127.0.0.1:6379', prefix));

    const spendAll = async (budgets: RequestBudget[], n: number) => {
      const outcomes: (ApiError | 'ok')[] = [];
      for (let i = 0; i < n; i++) outcomes.push(await budgets[i % budgets.length]!.spend('1.2.3.4', 'ip').then(() => 'ok' as const, (e: ApiError) => e));
      return outcomes;
    };

    it('two replicas draw on one budget; the next request is 429 with Retry-After', async () => {
      const [a, b] = [createRedis('redis://127.0.0.1:6379', logger, 'rl-a'), createRedis('redis://127.0.0.1:6379', logger, 'rl-b')];
      try {
        await Promise.all([a, b].map((r) => (r.status === 'ready' ? undefined : new Promise((ok) => r.once('ready', ok)))));
        const outcomes = await spendAll([new RequestBudget(a, `${prefix}ip`, 4), new RequestBudget(b, `${prefix}ip`, 4)], 6);
        assert.deepEqual(outcomes.slice(0, 4), ['ok', 'ok', 'ok', 'ok']);
        for (const e of outcomes.slice(4)) {
          assert.ok(e instanceof ApiError && e.status === 429 && e.code === 'rate_limited');
          assert.ok(Number(e.headers['Retry-After']) >= 1 && Number(e.headers['Retry-After']) <= 60);
        }
      } finally {
        a.disconnect();
        b.disconnect();
      }
    });

    it('keeps limiting in process when Redis is unreachable', async () => {
      const down = createRedis(`redis://127.0.0.1:${await freePort()}`, logger, 'rl-down');
      try {
        const outcomes = await spendAll([new RequestBudget(down, `${prefix}down`, 3)], 5);
        assert.deepEqual(outcomes.map((o) => (o === 'ok' ? 'ok' : o.status)), ['ok', 'ok', 'ok', 429, 429]);
      } finally {
        down.disconnect();
      }
    });
  });

  it('measures JSON depth on the raw body, ignoring brackets inside strings', () => {
    assertJsonDepth(Buffer.from('{"a":[{"b":"[[[[[[{{{{"}]}'), 3);
    assert.throws(() => assertJsonDepth(Buffer.from('[[[[1]]]]'), 3), (e) => e instanceof ApiError && e.code === 'json_too_deep');
    assertJsonDepth(Buffer.from('"\\"[[[[["'), 1);
  });
});
