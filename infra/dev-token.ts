import type { Role } from '../runtime/auth/principal';
import { loadJose } from './jose';

export interface DevTokenClaims {
  sub: string;
  role?: Role;
  tenantId?: string;
  /** jose time span, e.g. '5m'; a negative span ('-1m') makes an already expired token. */
  expiresIn?: string;
  audience?: string;
}

/**
 * Signs a Supabase-shaped HS256 access token with a shared secret: what `npm start`, the benchmark
 * and the tests authenticate with when no identity provider is around. Production tokens come
 * from Supabase; the runtime only verifies them.
 */
export async function signDevToken(secret: string, claims: DevTokenClaims): Promise<string> {
  const jose = await loadJose();
  const appMetadata = { ...(claims.role ? { role: claims.role } : {}), ...(claims.tenantId ? { tenant_id: claims.tenantId } : {}) };
  const exp = claims.expiresIn?.startsWith('-') ? Math.floor(Date.now() / 1000) - 60 : (claims.expiresIn ?? '12h');
  return new jose.SignJWT({ role: 'authenticated', app_metadata: appMetadata })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setAudience(claims.audience ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}
