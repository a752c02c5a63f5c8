/**
 * The release evidence bundle: every gate's verdict in one folder, JSON for machines and
 * summary.md for the person signing off. Gates run one after another: the replay bundler and the
 * drift check's scratch databases compete for the same two cores otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { WORKFLOWS_PATH } from '../workers/create-worker';
import { runGate, type Gate, type GateResult } from './gate-result';
import { configGate } from './gates/config-gate';
import { dependencyGate } from './gates/dependency-gate';
import { migrationGate } from './gates/migration-gate-result';
import { parityGate } from './gates/parity-gate';
import { replayGate } from './gates/replay-gate-result';
import { sloGate } from './gates/slo-gate';
import { testResultsGate } from './gates/test-results-gate';
import { renderSummaryMarkdown, type EvidenceSummary } from './evidence-summary';
import { repoRoot } from './repo-root';
import { defaultTestResultsPath } from './test-results';

export interface DefaultGateOptions {
  /** PostgreSQL server for the drift check's scratch databases. */
  databaseServerUrl: string;
  testResultsPath?: string;
  apiUrl?: string;
  apiToken?: string;
  /** The database of a shadow run (shadow commands and legacy results), for the parity gate. */
  parityDatabaseUrl?: string;
  openclawLockfile?: string;
}

/** The gates a release needs, in the order summary.md lists them. */
export function defaultGates(opts: DefaultGateOptions): Gate[] {
  const root = repoRoot();
  return [
    testResultsGate(opts.testResultsPath ?? defaultTestResultsPath()),
    replayGate({ workflowsPath: WORKFLOWS_PATH, historiesDir: path.join(root, 'test', 'replay', 'histories') }),
    migrationGate({ migrationsDir: path.join(root, 'prisma', 'migrations'), schemaPath: path.join(root, 'prisma', 'schema.prisma'), serverUrl: opts.databaseServerUrl }),
    parityGate(opts.parityDatabaseUrl ? { databaseUrl: opts.parityDatabaseUrl } : {}),
    sloGate({ ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}), ...(opts.apiToken ? { apiToken: opts.apiToken } : {}) }),
    configGate(),
    dependencyGate({
      lockfile: path.join(root, 'package-lock.json'),
      openclawLockfile: opts.openclawLockfile ?? path.join(root, 'toolchain', 'openclaw', 'package-lock.json'),
      temporalInstallScript: path.join(root, 'scripts', 'install-temporal.sh'),
    }),
  ];
}

function gitCommit(): string | null {
  const res = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

const writeJson = (file: string, value: unknown): void => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** Runs the gates, writes <gate>.json, summary.json and summary.md into outDir. */
export async function writeEvidenceBundle(outDir: string, gates: Gate[]): Promise<{ summary: EvidenceSummary; results: GateResult[]; markdown: string }> {
  mkdirSync(outDir, { recursive: true });
  const results: GateResult[] = [];
  for (const gate of gates) {
    const result = await runGate(gate);
    results.push(result);
    writeJson(path.join(outDir, `${result.name}.json`), result);
  }
  const summary: EvidenceSummary = {
    ok: results.every((r) => r.ok),
    generatedAt: new Date().toISOString(),
    commit: gitCommit(),
    gates: results.map((r) => ({ name: r.name, status: r.status, summary: r.summary, file: `${r.name}.json` })),
  };
  const markdown = renderSummaryMarkdown(summary, results);
  writeJson(path.join(outDir, 'summary.json'), summary);
  writeFileSync(path.join(outDir, 'summary.md'), markdown);
  return { summary, results, markdown };
}
