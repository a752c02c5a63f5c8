import type { ApiKeyStore } from '../../persistence/api-keys';
import { looksLikeApiKey } from '../../runtime/auth/api-key-format';
import { principalFromClaims, type Principal } from '../../runtime/auth/principal';
import { ApiError } from '../errors';
import { TokenRejected } from './jwt-verifier';

/** Why an Authorization header was refused: the 401 body's `reason`, and the audit row's. */
export type AuthFailure = 'missing_token' | 'malformed_header' | 'unknown_api_key' | TokenRejected['reason'] | 'invalid_subject' | 'invalid_role' | 'missing_tenant';

export class Unauthenticated extends ApiError {
  constructor(readonly reason: AuthFailure) {
    super(401, 'unauthenticated', `Authentication required: ${REASON_TEXT[reason]}`, { reason }, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${reason}"` });
  }
}

const REASON_TEXT: Record<AuthFailure, string> = {
  missing_token: 'send Authorization: Bearer <JWT or API key>',
  malformed_header: 'the Authorization header must be "Bearer <token>"',
  unknown_api_key: 'the API key is unknown, revoked or wrong',
  expired: 'the token has expired',
  invalid_signature: 'the token signature does not verify',
  invalid_claims: 'the token audience, issuer or times do not match',
  unsupported_algorithm: 'the token algorithm is not one this runtime accepts',
  malformed: 'the token is not a JWT',
  invalid_subject: 'the token has no usable sub claim',
  invalid_role: 'app_metadata.role is not client, operator or admin',
  missing_tenant: 'a client token needs app_metadata.tenant_id',
};

const BEARER_RE = /^Bearer ([\x21-\x7e]{1,4096})$/;

/**
 * Turns an Authorization header into a Principal: `sik_` tokens are service API keys (looked up
 * on every request, so a revocation applies at once), anything else must be a JWT. Throws
 * Unauthenticated (401) for the client's mistakes; an unreachable JWKS propagates as a 503.
 */
export class Authenticator {
  constructor(
    private readonly verifyJwt: (token: string) => Promise<Record<string, unknown>>,
    private readonly apiKeys: ApiKeyStore,
  ) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') throw new Unauthenticated('missing_token');
    const m = BEARER_RE.exec(header);
    if (!m) throw new Unauthenticated('malformed_header');
    const token = m[1]!;
    if (looksLikeApiKey(token)) {
      const principal = await this.apiKeys.verify(token);
      if (!principal) throw new Unauthenticated('unknown_api_key');
      return principal;
    }
    let claims: Record<string, unknown>;
    try {
      claims = await this.verifyJwt(token);
    } catch (err) {
      if (err instanceof TokenRejected) throw new Unauthenticated(err.reason);
      throw new ApiError(503, 'auth_unavailable', 'Tokens cannot be verified right now (identity provider keys unreachable); retry', {}, { 'Retry-After': '5' });
    }
    const principal = principalFromClaims(claims);
    if (typeof principal === 'string') throw new Unauthenticated(principal);
    return principal;
  }
}
