import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * Custom search attributes the runtime writes, so admins can find commands in the Temporal UI
 * (for example `RuntimeStatus="DeadLettered"`). The dev server registers them at start
 * (scripts/start-temporal.sh, test/support/temporal-fixture.ts); a cluster needs
 * `temporal operator search-attribute create` once (temporal-docker/README.md).
 */
export const SEARCH_ATTRIBUTES = {
  RuntimeStatus: defineSearchAttributeKey('RuntimeStatus', SearchAttributeType.KEYWORD),
  AgentFamily: defineSearchAttributeKey('AgentFamily', SearchAttributeType.KEYWORD),
  PolicyProfile: defineSearchAttributeKey('PolicyProfile', SearchAttributeType.KEYWORD),
  CommandId: defineSearchAttributeKey('CommandId', SearchAttributeType.KEYWORD),
  TraceId: defineSearchAttributeKey('TraceId', SearchAttributeType.KEYWORD),
  FailureClass: defineSearchAttributeKey('FailureClass', SearchAttributeType.KEYWORD),
} as const;

/** Values of RuntimeStatus, PascalCase as admins type them in the UI's query box. */
export const RUNTIME_STATUS = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  deadLettered: 'DeadLettered',
  discarded: 'Discarded',
} as const;

/** `Name=Keyword` pairs for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_FLAGS = Object.values(SEARCH_ATTRIBUTES).map((k) => `${k.name}=Keyword`);

/** What every command's workflow run is started with, by the API, a schedule firing or a dead-letter restart. */
export function commandSearchAttributes(c: { commandId: string; agentFamily: string; policyProfile: string; traceId: string }): SearchAttributePair[] {
  return [
    { key: SEARCH_ATTRIBUTES.CommandId, value: c.commandId },
    { key: SEARCH_ATTRIBUTES.AgentFamily, value: c.agentFamily },
    { key: SEARCH_ATTRIBUTES.PolicyProfile, value: c.policyProfile },
    { key: SEARCH_ATTRIBUTES.TraceId, value: c.traceId },
  ];
}
