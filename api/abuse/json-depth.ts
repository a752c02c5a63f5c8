import { ApiError } from '../errors';

/**
 * Throws 400 json_too_deep when raw JSON nests objects/arrays deeper than `maxDepth`. Runs on the
 * raw bytes before JSON.parse (express.json's verify hook), in one pass, skipping string contents.
 */
export function assertJsonDepth(raw: Buffer, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw new ApiError(400, 'json_too_deep', `Request body nests deeper than ${maxDepth} levels`, { maxDepth });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
