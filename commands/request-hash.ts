import { createHash } from 'node:crypto';
import { canonicalJson } from '../runtime/canonical-json';

/** Equal requests hash equal whatever the key order. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
