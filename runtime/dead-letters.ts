import { z } from 'zod';

/**
 * The parked workflow's signals. Names and payloads are a public contract: admins paste these
 * payloads into the Temporal UI's "Send a Signal" dialog, and the API sends the same.
 */
export { DISCARD_SIGNAL, REPLAY_SIGNAL } from './workflow-messages';

export const replaySignalSchema = z.strictObject({
  /** Makes the replay idempotent: a replay id runs at most once. Generated when absent. */
  replayId: z.string().regex(/^[\x21-\x7e]{1,200}$/).optional(),
  actor: z.string().min(1).max(200),
  reason: z.string().min(1).max(2000),
  /** Merged over the command's input (shallow) before the replayed attempt. */
  inputPatch: z.record(z.string(), z.unknown()).optional(),
});
export type ReplaySignal = z.infer<typeof replaySignalSchema>;

export const discardSignalSchema = z.strictObject({
  actor: z.string().min(1).max(200),
  reason: z.string().min(1).max(2000),
});
export type DiscardSignal = z.infer<typeof discardSignalSchema>;
