import type { RequestHandler } from 'express';
import { z } from 'zod';
import { traceparentSchema } from '../../runtime/command';
import { ApiError, fieldProblems, invalidRequest } from '../errors';
import { traceIdFrom } from '../trace-context';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: string;
    traceId?: string;
  }
}

/** Who did an admin action, and under which trace: what every audit row records. */
export interface AdminContext {
  actor: string;
  traceId: string;
}

/** The context requireActor established for this request. */
export function adminContext(req: { actor?: string; traceId?: string }): AdminContext {
  return { actor: req.actor!, traceId: req.traceId! };
}

const actorSchema = z.string().regex(/^[\x20-\x7e]{1,200}$/, { error: 'expected 1-200 printable ASCII characters' });

/**
 * Who is acting, for the audit trail. For now the `X-Actor` header, trusted as given: this one
 * middleware is what the authentication issue replaces with verified identities.
 */
export const requireActor: RequestHandler = (req, _res, next) => {
  const actor = actorSchema.safeParse(req.get('X-Actor'));
  if (!actor.success) throw invalidRequest(fieldProblems(actor.error, ['header:X-Actor']));
  const traceparent = req.get('traceparent');
  const trace = traceparent === undefined ? undefined : traceparentSchema.safeParse(traceparent);
  if (trace && !trace.success) throw invalidRequest(fieldProblems(trace.error, ['header:traceparent']));
  req.actor = actor.data;
  req.traceId = traceIdFrom(trace?.data);
  next();
};

/** Replays and discards change what runs; RUNTIME_REPLAY_ENABLED gates them. */
export function requireReplayEnabled(isEnabled: () => boolean): RequestHandler {
  return (_req, _res, next) => {
    if (!isEnabled()) {
      throw new ApiError(403, 'replay_disabled', 'Replay and discard are turned off on this runtime (RUNTIME_REPLAY_ENABLED=false); nothing was changed');
    }
    next();
  };
}
