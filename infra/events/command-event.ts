import type { EventToPublish, RuntimeEventType } from '../../runtime/events';

export interface CommandRef {
  commandId: string;
  workflowId: string;
  traceId: string;
  agentFamily?: string;
}

/**
 * A lifecycle event about one command. `fact` tells this occurrence apart from others of the same
 * type (the attempt number, the run id, the replay id); with the type and the command id it is the
 * dedupe key, so re-running the code that publishes it publishes nothing new.
 */
export function commandEvent(
  type: RuntimeEventType,
  ref: CommandRef,
  opts: { fact?: string | number; data?: Record<string, unknown>; actor?: string } = {},
): EventToPublish {
  return {
    dedupeKey: `${ref.commandId}:${type}${opts.fact === undefined ? '' : `:${opts.fact}`}`,
    event: {
      type,
      commandId: ref.commandId,
      workflowId: ref.workflowId,
      traceId: ref.traceId,
      ...(ref.agentFamily ? { agentFamily: ref.agentFamily } : {}),
      ...(opts.actor ? { actor: opts.actor } : {}),
      at: new Date().toISOString(),
      data: opts.data ?? {},
    },
  };
}
