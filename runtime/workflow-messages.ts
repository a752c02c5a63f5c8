/**
 * Names of the signals and queries workflows handle: a public contract (admins send them from the
 * Temporal UI, the API sends the same). Apart from their zod payload schemas (dead-letters.ts,
 * pipelines/contract.ts) so workflow code can register handlers without loading zod at start.
 */
export const REPLAY_SIGNAL = 'replay';
export const DISCARD_SIGNAL = 'discard';
export const APPROVAL_SIGNAL = 'approval';
export const PIPELINE_STATE_QUERY = 'state';
