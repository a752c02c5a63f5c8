import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeDivergence, REGISTERED_WORKFLOW_TYPES, runReplayGate, type ReplayGateReport } from '../../release/replay-gate';
import { WORKFLOWS_PATH } from '../../workers/create-worker';
import { HISTORIES_DIR, REPO_ROOT } from '../support/paths';

/*
 * Every committed history must replay against the current workflow code. A change to workflow
 * logic that is not guarded by patched() makes the history diverge and this test names the
 * history and the event. Record new histories with `npm run histories:record` (see README).
 */
describe('workflow replay over recorded histories', function () {
  this.timeout(120_000);
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));
  // One gate run (one bundle, each history replayed once); the tests below read its report.
  let report: ReplayGateReport;
  before(async () => {
    report = await runReplayGate({ workflowsPath: WORKFLOWS_PATH, historiesDir: HISTORIES_DIR });
  });

  it('covers every registered workflow type and the required scenarios', () => {
    assert.deepEqual(report.missingWorkflowTypes, [], `no history for ${report.missingWorkflowTypes.join(', ')}`);
    assert.deepEqual(report.missingScenarios, [], `no history shows ${report.missingScenarios.join(', ')}`);
    assert.equal(new Set(report.histories.map((h) => h.workflowType)).size, REGISTERED_WORKFLOW_TYPES.length);
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, () => {
      const result = report.histories.find((h) => h.file === file);
      assert.ok(result, `${file} was not replayed`);
      assert.ok(result.ok, describeDivergence(result));
    });
  }

  describe('a workflow change without patched()', () => {
    // A copy of the compiled code inside the repository, so its imports still resolve.
    const planted = path.join(REPO_ROOT, 'test-output', 'planted-replay');
    after(() => rmSync(planted, { recursive: true, force: true }));

    it('fails the gate naming the history and the diverging event', async () => {
      rmSync(planted, { recursive: true, force: true });
      cpSync(path.join(REPO_ROOT, 'dist'), path.join(planted, 'dist'), { recursive: true });
      const workflowFile = path.join(planted, 'dist', 'workflows', 'agent-command.js');
      const code = readFileSync(workflowFile, 'utf8');
      const anchor = 'await (0, projection_activities_1.projections)(revision).recordRunStarted(';
      assert.ok(code.includes(anchor), 'the compiled workflow changed shape; update the planted edit');
      // An unguarded extra activity call before the first one: what an engineer might add in a hurry.
      writeFileSync(workflowFile, code.replace(anchor, `await (0, projection_activities_1.projections)(revision).recordRunStarted({ ...run, workflowType: 'planted', taskQueue: info.taskQueue }); ${anchor}`));
      // The gate bisects every history that diverges: two are enough to show what it names.
      const histories = path.join(planted, 'histories');
      mkdirSync(histories);
      for (const f of ['agent-command-succeeded.json', 'pipeline-research-report-succeeded-revision-2.json']) cpSync(path.join(HISTORIES_DIR, f), path.join(histories, f));
      const plantedReport = await runReplayGate({ workflowsPath: path.join(planted, 'dist', 'workflows', 'index.js'), historiesDir: histories });
      assert.equal(plantedReport.ok, false);
      const broken = plantedReport.histories.find((h) => h.file === 'agent-command-succeeded.json')!;
      assert.equal(broken.ok, false);
      const line = describeDivergence(broken);
      assert.match(line, /history agent-command-succeeded\.json \(agentCommandWorkflow\)/);
      assert.match(line, /event \d+ \(ActivityTaskScheduled/);
      assert.match(line, /TMPRL1100/);
      // The planted call matches the history's recordRunStarted; the original one then meets the
      // history's first agent attempt, and that is the event named.
      assert.equal(broken.divergence!.eventType, 'ActivityTaskScheduled');
      assert.match(broken.divergence!.message, /executeAgentAttempt/);
      // Pipelines never ran this code path: they still replay.
      const pipelines = plantedReport.histories.filter((h) => h.workflowType === 'pipelineWorkflow');
      assert.equal(pipelines.length, 1);
      assert.ok(pipelines.every((h) => h.ok));
    });
  });
});
