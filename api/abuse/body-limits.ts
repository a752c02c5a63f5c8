import express, { type RequestHandler } from 'express';
import type { BodyBudget } from '../auth/route-access';
import { assertJsonDepth } from './json-depth';

export interface BodyLimits {
  commandBytes: number;
  adminBytes: number;
  maxDepth: number;
}

/**
 * Parses JSON bodies with the budget of the route (req.routeAccess, set by accessControl):
 * agent inputs may be larger than admin bodies, and routes without a body never read one.
 * Depth is checked on the raw bytes before JSON.parse; too large answers 413, too deep 400.
 */
export function boundedJsonBody(limits: BodyLimits): RequestHandler {
  const parser = (limit: number) => express.json({ limit, strict: true, verify: (_req, _res, raw) => assertJsonDepth(raw, limits.maxDepth) });
  const parsers: Record<BodyBudget, RequestHandler | undefined> = {
    command: parser(limits.commandBytes),
    admin: parser(limits.adminBytes),
    none: undefined,
  };
  return (req, res, next) => {
    const parse = parsers[req.routeAccess?.body ?? 'none'];
    if (parse) parse(req, res, next);
    else next();
  };
}
