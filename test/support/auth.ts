import { signDevToken, type DevTokenClaims } from '../../infra/dev-token';

/** The HS256 secret every API the tests start trusts (RUNTIME_AUTH_JWT_SECRET). */
export const TEST_JWT_SECRET = 'test-only-shared-secret-0123456789abcdef';

/** Settings every test API runs with: test tokens verify, and budgets stay out of the way (the abuse tests set their own). */
export const TEST_AUTH_ENV = {
  RUNTIME_AUTH_JWT_SECRET: TEST_JWT_SECRET,
  RUNTIME_RATE_LIMIT_IP_PER_MINUTE: '10000000',
  RUNTIME_RATE_LIMIT_PRINCIPAL_PER_MINUTE: '10000000',
} as const;

/** A token the test APIs accept (or, with `secret`, one signed by a stranger). */
export function signTestToken(claims: DevTokenClaims & { secret?: string }): Promise<string> {
  return signDevToken(claims.secret ?? TEST_JWT_SECRET, claims);
}

const adminTokens = new Map<string, Promise<string>>();

/** An admin token for `sub`, signed once per test run. */
export function adminToken(sub = 'test-admin'): Promise<string> {
  let token = adminTokens.get(sub);
  if (!token) adminTokens.set(sub, (token = signTestToken({ sub, role: 'admin' })));
  return token;
}
