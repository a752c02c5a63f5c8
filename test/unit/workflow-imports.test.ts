import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/paths';

/** Top-level requires of the compiled workflow code, followed through our own modules. */
function staticImports(entry: string): { modules: string[]; packages: Set<string> } {
  const modules: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (modules.includes(file)) return;
    modules.push(file);
    // Only unindented requires run when the module loads (tsc's CommonJS output); an indented one
    // is inside a function (workflows/signal-schemas.ts) and loads when called.
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^\S.*?require\("([^"]+)"\)/gm)) {
      if (!spec!.startsWith('.')) {
        packages.add(spec!);
        continue;
      }
      const base = path.resolve(path.dirname(file), spec!);
      visit(existsSync(`${base}.js`) ? `${base}.js` : path.join(base, 'index.js'));
    }
  };
  visit(entry);
  return { modules: modules.map((m) => path.relative(path.join(REPO_ROOT, 'dist'), m)), packages };
}

describe('workflow code imports', () => {
  const { modules, packages } = staticImports(path.join(REPO_ROOT, 'dist', 'workflows', 'index.js'));

  it('loads only the Temporal workflow packages: no zod, no I/O, no Node built-ins', () => {
    // Each cached workflow instantiates every module it loads; zod alone is ~2.5 MB per instance.
    assert.deepEqual([...packages].sort(), ['@temporalio/common', '@temporalio/workflow']);
  });

  it('takes only types from activities/', () => {
    assert.deepEqual(modules.filter((m) => m.startsWith('activities')), []);
  });
});
