import type { Request, RequestHandler } from 'express';
import { roleAllows, type Principal } from '../../runtime/auth/principal';
import { traceparentSchema } from '../../runtime/command';
import type { RequestBudget } from '../abuse/rate-limiter';
import { ApiError, fieldProblems, invalidRequest } from '../errors';
import { traceIdFrom } from '../trace-context';
import type { AccessAudit } from './access-audit';
import { Unauthenticated, type Authenticator } from './authenticator';
import { routeAccessFor, type RouteAccess } from './route-access';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** principal.actor: what audit rows record. */
    actor?: string;
    traceId?: string;
    routeAccess?: RouteAccess;
  }
}

export interface AccessControlDeps {
  authenticator: Authenticator;
  audit: AccessAudit;
  ipBudget: RequestBudget;
  principalBudget: RequestBudget;
}

/** Probes stay outside every budget: a load balancer must see a healthy API even during a flood. */
const UNLIMITED = new Set(['GET /healthz', 'GET /readyz']);

/**
 * The API's front door, before any body is read: spends the IP's budget, authenticates, spends the
 * identity's budget, checks the route's role (api/auth/route-access.ts), and audits the decision.
 * Anonymous callers learn nothing of which routes exist: every non-public path answers 401 first.
 */
export function accessControl(deps: AccessControlDeps): RequestHandler {
  return async (req, _res, next) => {
    const { key, access } = routeAccessFor(req.method, req.path);
    req.routeAccess = access;
    const route = key ?? `${req.method} ${req.path.slice(0, 200)}`;
    const ip = req.ip ?? 'unknown';
    if (!key || !UNLIMITED.has(key)) await deps.ipBudget.spend(ip, 'client IP');
    if (access.role === 'public') return next();

    req.traceId = traceIdOf(req, access);
    const decide = async (principal: Principal | undefined, allowed: boolean, reason: string, persist: boolean) =>
      deps.audit.record({ route, traceId: req.traceId!, principal, ip, allowed, reason }, persist);

    let principal: Principal;
    try {
      principal = await deps.authenticator.authenticate(req.get('Authorization'));
    } catch (err) {
      if (err instanceof Unauthenticated) await decide(undefined, false, err.reason, true);
      throw err;
    }
    await deps.principalBudget.spend(principal.actor, 'identity');
    if (!roleAllows(principal.role, access.role)) {
      await decide(principal, false, `needs role ${access.role}`, true);
      throw new ApiError(403, 'forbidden', `This route needs the ${access.role} role; ${principal.actor} has ${principal.role}`, { requiredRole: access.role, role: principal.role });
    }
    const adminMutation = req.method !== 'GET' && req.method !== 'HEAD' && access.role !== 'client';
    await decide(principal, true, `role ${principal.role}`, adminMutation);
    req.principal = principal;
    req.actor = principal.actor;
    next();
  };
}

/**
 * The request's trace id. Command submissions validate traceparent with their body (one answer
 * names every problem), so there a bad header only gets a fresh id here; elsewhere it is a 400.
 */
function traceIdOf(req: Request, access: RouteAccess): string {
  const raw = req.get('traceparent');
  if (raw === undefined) return traceIdFrom(undefined);
  const parsed = traceparentSchema.safeParse(raw);
  if (parsed.success) return traceIdFrom(parsed.data);
  if (access.body === 'command') return traceIdFrom(undefined);
  throw invalidRequest(fieldProblems(parsed.error, ['header:traceparent']));
}
