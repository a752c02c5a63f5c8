import { describeDivergence, runReplayGate } from '../replay-gate';
import { judged, type Gate } from '../gate-result';

export function replayGate(opts: { workflowsPath: string; historiesDir: string }): Gate {
  const name = 'replay';
  return {
    name,
    async run() {
      const report = await runReplayGate(opts);
      const diverged = report.histories.filter((h) => !h.ok);
      const problems = [
        ...diverged.map(describeDivergence),
        ...report.missingWorkflowTypes.map((t) => `no history for workflow type ${t}`),
        ...report.missingScenarios.map((s) => `no history shows scenario ${s}`),
      ];
      const summary =
        problems.length === 0
          ? `${report.histories.length} histories replay; every workflow type and required scenario covered`
          : `${diverged.length} of ${report.histories.length} histories diverge; ${problems[0]}`;
      return judged(name, report.ok, summary, { problems, ...report });
    },
  };
}
