import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKFLOW_CODE_REVISION } from '../../runtime/code-revision';
import type { RuntimeHarness } from './runtime-harness';
import { HISTORIES_DIR, TEMPORAL_CLI } from './paths';

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history for the replay suite. The CLI's JSON
 * is the format historyFromJSON reads (the SDK's historyToJSON trips over two protobufjs copies).
 */
export function recordHistory(h: RuntimeHarness, workflowId: string, name: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = execFileSync(
    TEMPORAL_CLI,
    ['workflow', 'show', '--workflow-id', workflowId, '--address', h.temporal.address, '--namespace', h.temporal.namespace ?? 'default', '--output', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}

/**
 * A history's name under the code revision new runs start with, so recording again after the next
 * revision adds its histories next to the older revision's instead of overwriting them.
 */
export function ofCurrentRevision(name: string): string {
  return `${name}-revision-${WORKFLOW_CODE_REVISION}`;
}
