import { loadJose, type Jose } from '../../infra/jose';
import type { RuntimeConfig } from '../../runtime/config/schema';

export type JwtConfig = Pick<RuntimeConfig, 'RUNTIME_AUTH_JWT_SECRET' | 'RUNTIME_AUTH_JWKS_URL' | 'RUNTIME_AUTH_JWKS_CACHE_SECONDS' | 'RUNTIME_AUTH_JWT_ISSUER' | 'RUNTIME_AUTH_JWT_AUDIENCE'>;

/** Why a token was refused; the API answers 401 with it (never the token itself). */
export class TokenRejected extends Error {
  constructor(readonly reason: 'expired' | 'invalid_signature' | 'invalid_claims' | 'unsupported_algorithm' | 'malformed') {
    super(`token rejected: ${reason}`);
  }
}

/**
 * Verifies Supabase-issued JWTs with jose: HS256 with the shared secret, RS256/ES256 with keys
 * from the JWKS URL (jose fetches and caches them, refetching on an unknown kid). Which key
 * applies follows from the token's alg, limited to what is configured, so an HS256 token can
 * never be checked against a public key (alg confusion).
 */
export function createJwtVerifier(config: JwtConfig): (token: string) => Promise<Record<string, unknown>> {
  let jwks: ReturnType<Jose['createRemoteJWKSet']> | undefined;
  const secret = config.RUNTIME_AUTH_JWT_SECRET ? new TextEncoder().encode(config.RUNTIME_AUTH_JWT_SECRET) : undefined;
  return async (token) => {
    const jose = await loadJose();
    let alg: string | undefined;
    try {
      alg = jose.decodeProtectedHeader(token).alg;
    } catch {
      throw new TokenRejected('malformed');
    }
    const options = { audience: config.RUNTIME_AUTH_JWT_AUDIENCE, ...(config.RUNTIME_AUTH_JWT_ISSUER ? { issuer: config.RUNTIME_AUTH_JWT_ISSUER } : {}), requiredClaims: ['sub', 'exp'] };
    try {
      if (alg === 'HS256' && secret) return (await jose.jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
      if ((alg === 'RS256' || alg === 'ES256') && config.RUNTIME_AUTH_JWKS_URL) {
        jwks ??= jose.createRemoteJWKSet(new URL(config.RUNTIME_AUTH_JWKS_URL), { cacheMaxAge: config.RUNTIME_AUTH_JWKS_CACHE_SECONDS * 1000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
        return (await jose.jwtVerify(token, jwks, { ...options, algorithms: ['RS256', 'ES256'] })).payload;
      }
    } catch (err) {
      throw rejection(jose, err);
    }
    throw new TokenRejected('unsupported_algorithm');
  };
}

function rejection(jose: Jose, err: unknown): TokenRejected {
  if (err instanceof jose.errors.JWKSTimeout) throw err;
  if (err instanceof jose.errors.JWTExpired) return new TokenRejected('expired');
  if (err instanceof jose.errors.JWTClaimValidationFailed) return new TokenRejected('invalid_claims');
  if (err instanceof jose.errors.JWSSignatureVerificationFailed || err instanceof jose.errors.JWKSNoMatchingKey) return new TokenRejected('invalid_signature');
  if (err instanceof jose.errors.JOSEError) return new TokenRejected('malformed');
  // JWKS unreachable and the like: not the client's fault; let the caller answer 5xx/503.
  throw err;
}
