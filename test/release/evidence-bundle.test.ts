import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultGates, writeEvidenceBundle } from '../../release/evidence-bundle';
import type { EvidenceSummary } from '../../release/evidence-summary';
import type { Gate } from '../../release/gate-result';
import { parityGate } from '../../release/gates/parity-gate';
import { sloGate } from '../../release/gates/slo-gate';
import { testResultsGate } from '../../release/gates/test-results-gate';
import type { TestResultsFile } from '../../release/test-results';
import { TEST_SERVER_URL } from '../support/database-fixture';
import { REPO_ROOT } from '../support/paths';

const GATE_FILES = ['test-results', 'replay', 'migrations', 'parity', 'slo', 'config', 'dependencies'].map((n) => `${n}.json`);

describe('release evidence bundle', function () {
  this.timeout(120_000);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'si-evidence-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const resultsFile = (name: string, results: Partial<TestResultsFile>): string => {
    const file = path.join(tmp, name);
    const full: TestResultsFile = { passes: 120, failures: 0, pending: 0, durationMs: 400_000, failed: [], finishedAt: new Date().toISOString(), ...results };
    writeFileSync(file, JSON.stringify(full));
    return file;
  };
  const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

  it('writes one JSON per gate, summary.json and summary.md; passes on this tree', async () => {
    const out = path.join(tmp, 'bundle');
    const gates = defaultGates({ databaseServerUrl: TEST_SERVER_URL, testResultsPath: resultsFile('passing.json', {}) });
    const { summary, markdown } = await writeEvidenceBundle(out, gates);
    for (const f of [...GATE_FILES, 'summary.json', 'summary.md']) assert.ok(existsSync(path.join(out, f)), `${f} missing`);
    assert.deepEqual(readJson<EvidenceSummary>(path.join(out, 'summary.json')), summary);
    const status = Object.fromEntries(summary.gates.map((g) => [g.name, g.status]));
    assert.deepEqual(status, {
      'test-results': 'passed',
      replay: 'passed',
      migrations: 'passed',
      parity: 'not_available',
      slo: 'not_available',
      config: 'passed',
      dependencies: 'passed',
    });
    assert.equal(summary.ok, true, markdown);
    assert.match(markdown, /^\*\*PASSED\*\* at commit `[0-9a-f]{40}`/m);
    assert.match(markdown, /^\| parity \| not available \| .* \| parity\.json \|$/m);
    const parity = readJson<{ status: string; ok: boolean }>(path.join(out, 'parity.json'));
    assert.deepEqual([parity.status, parity.ok], ['not_available', true]);
    const config = readFileSync(path.join(out, 'config.json'), 'utf8');
    assert.ok(!config.includes('startinsight-dev-token'), 'a secret default leaked into config.json');
    const deps = readJson<{ details: { packages: Record<string, string>; temporalCli: { cli: string } } }>(path.join(out, 'dependencies.json'));
    const lock = readJson<{ packages: Record<string, { version: string }> }>(path.join(REPO_ROOT, 'package-lock.json'));
    assert.equal(deps.details.packages['@temporalio/worker'], lock.packages['node_modules/@temporalio/worker']!.version);
    assert.equal(deps.details.packages.prisma, lock.packages['node_modules/prisma']!.version);
    assert.match(deps.details.temporalCli.cli, /^v\d+\.\d+\.\d+$/);
  });

  it('fails on an OpenClaw pin that does not match the gateway lockfile', async () => {
    const lock = readJson<{ packages: Record<string, { version: string }> }>(path.join(REPO_ROOT, 'toolchain', 'openclaw', 'package-lock.json'));
    lock.packages['node_modules/openclaw']!.version = '2099.1.1';
    const planted = path.join(tmp, 'openclaw-package-lock.json');
    writeFileSync(planted, JSON.stringify(lock));
    const gates = defaultGates({ databaseServerUrl: TEST_SERVER_URL, openclawLockfile: planted }).filter((g) => g.name === 'dependencies');
    const { summary, markdown } = await writeEvidenceBundle(path.join(tmp, 'mismatch'), gates);
    assert.equal(summary.ok, false);
    assert.match(markdown, /^\*\*FAILED \(dependencies\)\*\*/m);
    assert.match(markdown, /OpenClaw pin mismatch: PINNED_OPENCLAW_VERSION .* is 2026\.\d+\.\d+ but .*openclaw-package-lock\.json locks 2099\.1\.1/);
  });

  it('a gate that throws fails the bundle instead of vanishing from it', async () => {
    const broken: Gate = { name: 'broken', run: () => Promise.reject(new Error('cannot reach the thing')) };
    const { summary } = await writeEvidenceBundle(path.join(tmp, 'broken'), [broken]);
    assert.equal(summary.ok, false);
    assert.deepEqual(summary.gates.map((g) => [g.status, g.summary]), [['failed', 'the gate itself failed: cannot reach the thing']]);
  });

  it('has no parity verdict without a shadow-run database (the shadow mode test fails it on planted mismatches)', async () => {
    const result = await parityGate().run();
    assert.deepEqual([result.status, result.ok], ['not_available', true]);
    assert.match(result.summary, /--parity-database-url/);
  });

  describe('test results', () => {
    it('not run when npm test left no results; failed on failures or on a --grep run', async () => {
      assert.equal((await testResultsGate(path.join(tmp, 'absent.json')).run()).status, 'not_available');
      const failing = await testResultsGate(resultsFile('failing.json', { failures: 1, failed: [{ title: 'suite does a thing', error: 'boom' }] })).run();
      assert.equal(failing.status, 'failed');
      assert.match(failing.summary, /first failure: suite does a thing/);
      const narrowed = await testResultsGate(resultsFile('grep.json', { grep: '/replay/' })).run();
      assert.equal(narrowed.status, 'failed');
      assert.match(narrowed.summary, /only tests matching \/replay\/ ran/);
    });
  });

  describe('SLO snapshot from a runtime API', () => {
    let server: Server;
    let body = '';
    let seen = '';
    before(async () => {
      server = createServer((req, res) => {
        seen = `${req.url} ${req.headers.authorization ?? ''}`;
        res.setHeader('content-type', 'application/json').end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const apiUrl = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const view = (firing: boolean) => JSON.stringify({ window: { from: 'a', to: 'b' }, alerts: [{ name: 'dead_letter_rate', firing }] });

    it('passes with no alert firing and fails naming a firing one', async () => {
      body = view(false);
      const ok = await sloGate({ apiUrl: apiUrl(), apiToken: 't0ken' }).run();
      assert.equal(ok.status, 'passed', ok.summary);
      assert.equal(seen, '/admin/runtime/slo?windowMinutes=1440 Bearer t0ken');
      body = view(true);
      const firing = await sloGate({ apiUrl: apiUrl() }).run();
      assert.equal(firing.status, 'failed');
      assert.match(firing.summary, /1 alert\(s\) firing: dead_letter_rate/);
    });
  });
});
