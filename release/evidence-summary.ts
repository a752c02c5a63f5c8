import type { GateResult, GateStatus } from './gate-result';

export interface EvidenceSummary {
  ok: boolean;
  generatedAt: string;
  commit: string | null;
  gates: { name: string; status: GateStatus; summary: string; file: string }[];
}

const MARK: Record<GateStatus, string> = { passed: 'PASSED', failed: 'FAILED', not_available: 'not available' };
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** summary.md: the verdict first, a row a gate, then each failed gate's problems in full. */
export function renderSummaryMarkdown(summary: EvidenceSummary, results: GateResult[]): string {
  const failures = results.filter((r) => r.status === 'failed');
  const lines = [
    '# Release gate evidence',
    '',
    `**${summary.ok ? 'PASSED' : `FAILED (${failures.map((f) => f.name).join(', ')})`}** at commit \`${summary.commit ?? 'unknown'}\`, ${summary.generatedAt}.`,
    '"not available" means the gate could not run here; it does not fail the release.',
    '',
    '| gate | result | summary | details |',
    '|---|---|---|---|',
    ...summary.gates.map((g) => `| ${g.name} | ${MARK[g.status]} | ${cell(g.summary)} | ${g.file} |`),
  ];
  for (const f of failures) {
    const problems = (f.details as { problems?: unknown } | null)?.problems;
    lines.push('', `## ${f.name}: failed`, '');
    if (Array.isArray(problems) && problems.length > 0) {
      lines.push('```', ...problems.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))), '```');
    } else lines.push(f.summary);
  }
  return `${lines.join('\n')}\n`;
}
