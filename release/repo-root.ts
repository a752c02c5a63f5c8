import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** Repository root (the directory holding prisma/schema.prisma), from source or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'prisma', 'schema.prisma'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the repository root (prisma/schema.prisma) above ${__dirname}`);
}
