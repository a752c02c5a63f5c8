import path from 'node:path';

/** Tests run from dist/test/...; the repository root is where package.json lives. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const TEMPORAL_CLI = path.join(REPO_ROOT, '.tools', 'temporal', 'temporal');
export const HISTORIES_DIR = path.join(REPO_ROOT, 'test', 'replay', 'histories');
