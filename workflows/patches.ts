/**
 * Version markers (patched()): histories recorded before a marker existed replay on the old path.
 * - DEAD_LETTERS: failures go through the policy evaluator (rounds, dead letter, replay) instead
 *   of failing the workflow at once.
 * - PROVIDER_FALLBACK: rounds run on the family's model chain (Gemini, Claude, OpenAI); a round that
 *   ends in a fallback class moves to the next model without the between-rounds pause.
 * - LOCAL_PROJECTIONS: projections run as local activities (workflows/projection-activities.ts).
 * Runs of code revision 2 take all three without a marker (workflows/code-revision.ts). Ask for a
 * patch through the run's CodeRevision, never patched() directly, so a later revision can fold it in.
 */
export const PATCHES = {
  DEAD_LETTERS: 'policy-evaluator-dead-letters-v1',
  PROVIDER_FALLBACK: 'provider-fallback-v1',
  LOCAL_PROJECTIONS: 'local-projections-v1',
} as const;

export type PatchId = (typeof PATCHES)[keyof typeof PATCHES];
