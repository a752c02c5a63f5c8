import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withConfigTable } from '../runtime/config/docs';

// Rewrites the configuration table in README.md from runtime/config/schema.ts.
const readmePath = path.resolve(__dirname, '..', '..', 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withConfigTable(before);
writeFileSync(readmePath, after);
process.stdout.write(before === after ? 'README configuration table already current\n' : 'README configuration table updated\n');
