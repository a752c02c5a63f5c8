#!/usr/bin/env bash
# Generates the Prisma client (offline: no engine download, see prisma/README.md) and compiles
# TypeScript to dist/. Tests and processes run the compiled JavaScript.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_modules/.bin/prisma generate >/dev/null
node_modules/.bin/tsc -p tsconfig.json
