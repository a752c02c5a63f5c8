import type { RequestHandler } from 'express';
import { ApiError } from '../errors';

/** Who did an admin action, and under which trace: what every audit row records. */
export interface AdminContext {
  actor: string;
  traceId: string;
}

/** The verified identity and trace id accessControl (api/auth/access-control.ts) established. */
export function adminContext(req: { actor?: string; traceId?: string }): AdminContext {
  if (req.actor === undefined || req.traceId === undefined) throw new Error('adminContext on a route without access control');
  return { actor: req.actor, traceId: req.traceId };
}

/** Replays and discards change what runs; RUNTIME_REPLAY_ENABLED gates them. */
export function requireReplayEnabled(isEnabled: () => boolean): RequestHandler {
  return (_req, _res, next) => {
    if (!isEnabled()) {
      throw new ApiError(403, 'replay_disabled', 'Replay and discard are turned off on this runtime (RUNTIME_REPLAY_ENABLED=false); nothing was changed');
    }
    next();
  };
}
