import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/create-worker';
import { HISTORIES_DIR } from '../support/paths';

/*
 * Every committed history must replay against the current workflow code. A change to workflow
 * logic that is not guarded by patched() makes the history diverge and this test names it.
 * Record new histories with `RECORD_HISTORIES=1 npm test` (see README).
 */
describe('workflow replay over recorded histories', function () {
  this.timeout(120_000);
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

  it('has recorded histories to replay', () => {
    assert.ok(files.length > 0, `no histories in ${HISTORIES_DIR}`);
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
      try {
        await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, file);
      } catch (err) {
        throw new Error(`history ${file} no longer replays: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
});
