#!/usr/bin/env bash
# Generates the Prisma client (offline: no engine download, see prisma/README.md), compiles
# TypeScript to dist/ and bundles the workflows for the workers (dist/workflow-bundle.js). Tests and
# processes run the compiled JavaScript.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_modules/.bin/prisma generate >/dev/null
node_modules/.bin/tsc -p tsconfig.json
node dist/scripts/bundle-workflows.js
