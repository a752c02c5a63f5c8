import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseConfig, redactConfig } from '../../runtime/config/load';
import { withConfigTable } from '../../runtime/config/docs';
import { CONFIG_KEYS, PINNED_OPENCLAW_VERSION } from '../../runtime/config/schema';
import { REPO_ROOT } from '../support/paths';

describe('configuration', () => {
  it('has the documented defaults for the RUNTIME_* keys', () => {
    const c = parseConfig({});
    assert.equal(c.RUNTIME_ENABLED, true);
    assert.equal(c.RUNTIME_SHADOW_MODE, false);
    assert.equal(c.RUNTIME_OPENCLAW_VERSION, PINNED_OPENCLAW_VERSION);
    assert.equal(c.RUNTIME_POLICY_PROFILE_DEFAULT, 'standard_async');
    assert.equal(c.RUNTIME_REPLAY_ENABLED, false);
    assert.equal(c.RUNTIME_DEAD_LETTER_THRESHOLD, undefined);
    assert.equal(c.RUNTIME_EVENT_SSE_ENABLED, true);
    assert.equal(c.RUNTIME_MAX_CONCURRENCY, 20);
  });

  it('parses booleans and integers from environment strings', () => {
    const c = parseConfig({ RUNTIME_ENABLED: '0', RUNTIME_REPLAY_ENABLED: 'true', RUNTIME_MAX_CONCURRENCY: '7', RUNTIME_DEAD_LETTER_THRESHOLD: '' });
    assert.equal(c.RUNTIME_ENABLED, false);
    assert.equal(c.RUNTIME_REPLAY_ENABLED, true);
    assert.equal(c.RUNTIME_MAX_CONCURRENCY, 7);
    assert.equal(c.RUNTIME_DEAD_LETTER_THRESHOLD, undefined);
  });

  it('names every bad key with its value and allowed range', () => {
    assert.throws(
      () => parseConfig({ RUNTIME_MAX_CONCURRENCY: '0', RUNTIME_POLICY_PROFILE_DEFAULT: 'fast', REDIS_URL: 'http://x' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /RUNTIME_MAX_CONCURRENCY="0": below 1; allowed: integer 1\.\.1000/);
        assert.match(err.message, /RUNTIME_POLICY_PROFILE_DEFAULT="fast".*allowed: standard_async \| critical_sync \| best_effort \| long_running/);
        assert.match(err.message, /REDIS_URL="http:\/\/x"/);
        return true;
      },
    );
  });

  it('never echoes the gateway token, not even when it is invalid', () => {
    assert.throws(
      () => parseConfig({ OPENCLAW_GATEWAY_TOKEN: 'short secret' }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('OPENCLAW_GATEWAY_TOKEN="***"') && !err.message.includes('short secret'),
    );
    const redacted = redactConfig(parseConfig({ OPENCLAW_GATEWAY_TOKEN: 'a-very-long-secret-token' }));
    assert.equal(redacted.OPENCLAW_GATEWAY_TOKEN, '***');
  });

  for (const entry of ['api/server.js', 'workers/main.js']) {
    it(`stops ${entry} at start with the bad key named (exit 78)`, () => {
      const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', entry)], {
        env: { PATH: process.env.PATH, RUNTIME_MAX_CONCURRENCY: '5000' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(result.status, 78, result.stderr);
      assert.match(result.stderr, /RUNTIME_MAX_CONCURRENCY="5000": above 1000; allowed: integer 1\.\.1000/);
    });
  }

  it('documents every key in the README exactly as the schema says (npm run config:docs)', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    for (const key of Object.keys(CONFIG_KEYS)) assert.ok(readme.includes(`\`${key}\``), `README lacks ${key}`);
    assert.equal(withConfigTable(readme), readme, 'README configuration table is stale: run npm run build && npm run config:docs');
  });

  it('pins the same OpenClaw version as the gateway toolchain lockfile', () => {
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'toolchain', 'openclaw', 'package-lock.json'), 'utf8'));
    assert.equal(lock.packages['node_modules/openclaw'].version, PINNED_OPENCLAW_VERSION);
  });
});
