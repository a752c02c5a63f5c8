import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { ALERT_NAMES } from '../../runtime/slo';
import { REPO_ROOT } from '../support/paths';

/** Every source file of the runtime (not tests), to find where each metric is registered. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

describe('Prometheus alerting rules (ops/prometheus/alerts.yml)', () => {
  const file = load(readFileSync(path.join(REPO_ROOT, 'ops/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const rules = file.groups.flatMap((g) => g.rules);
  const code = ['api', 'activities', 'infra', 'workers'].flatMap((d) => sources(path.join(REPO_ROOT, d))).map((f) => readFileSync(f, 'utf8')).join('\n');

  it('parses, and every rule has a name and an expression', () => {
    assert.ok(rules.length >= 8);
    for (const r of rules) assert.ok(r.alert && r.expr, JSON.stringify(r));
  });

  it('names only metrics the runtime registers, and only alert names the API evaluates', () => {
    for (const r of rules) {
      for (const [metric] of r.expr.matchAll(/\bsi_[a-z_]+/g)) {
        const base = metric.replace(/_(bucket|count|sum)$/, '');
        assert.ok(code.includes(`'${base}'`), `${r.alert}: ${metric} is not registered anywhere`);
      }
      for (const [, name] of r.expr.matchAll(/alert="([a-z_]+)"/g)) assert.ok((ALERT_NAMES as readonly string[]).includes(name!), `${r.alert}: unknown alert ${name}`);
    }
  });

  it('covers every rule the API evaluates', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const name of ALERT_NAMES.filter((n) => n !== 'reliability_below_target' && n !== 'backlog_over_budget')) assert.ok(exprs.includes(`alert="${name}"`), name);
    assert.ok(exprs.includes('si_slo_reliability_ratio') && exprs.includes('si_task_queue_backlog'));
  });
});
