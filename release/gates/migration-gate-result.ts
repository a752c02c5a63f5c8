import { migrationGateFailures, runMigrationGate, type MigrationGateOptions } from '../migration-gate';
import { judged, type Gate } from '../gate-result';

export function migrationGate(opts: MigrationGateOptions): Gate {
  const name = 'migrations';
  return {
    name,
    async run() {
      const report = await runMigrationGate(opts);
      const problems = migrationGateFailures(report);
      const marked = report.destructive.filter((d) => d.marked).length;
      const summary =
        `${report.destructive.length} destructive statement(s), ${marked} marked destructive-ok; ` +
        `drift: ${report.drift.ok ? `none (${report.drift.comparisons.join(', ')})` : 'found'}` +
        (problems.length > 0 ? `; ${problems[0]!.split('\n')[0]}` : '');
      return judged(name, report.ok, summary, { problems, ...report });
    },
  };
}
