import type * as DeadLetters from '../runtime/dead-letters';
import type * as PipelineContract from '../runtime/pipelines/contract';

/*
 * The zod schemas of signal payloads, loaded by a workflow on the first signal it gets. Every
 * cached workflow holds its own instance of each module it loads (the SDK's per-workflow module
 * cache), and zod alone is ~2.5 MB of heap per instance: loaded at start, it made every cached
 * command cost ~3 MB of worker memory, while most commands never receive a signal.
 */

export function deadLetterSignalSchemas(): Pick<typeof DeadLetters, 'replaySignalSchema' | 'discardSignalSchema'> {
  return require('../runtime/dead-letters') as typeof DeadLetters;
}

export function approvalSignalSchema(): (typeof PipelineContract)['approvalSignalSchema'] {
  return (require('../runtime/pipelines/contract') as typeof PipelineContract).approvalSignalSchema;
}
