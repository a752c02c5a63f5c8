import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Service API keys look like `sik_<id>_<secret>`: the id (12 hex) is visible in logs and audit
 * rows, the secret (32 random bytes, base64url) is shown once and only its sha256 is stored.
 * A slow hash (scrypt) buys nothing for 256 random bits and would cost every request.
 */
export const API_KEY_PREFIX = 'sik_';
const KEY_RE = /^sik_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedApiKey {
  id: string;
  /** The whole key, for the caller to hand out once. */
  key: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function generateApiKey(): GeneratedApiKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `${API_KEY_PREFIX}${id}_${secret}`, secretHash: hashSecret(secret) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** The id and secret of a well-formed key, or undefined. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const m = KEY_RE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
