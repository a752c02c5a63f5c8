#!/usr/bin/env bash
# The test command (README): installs what is missing, builds, runs every suite against real
# PostgreSQL, Redis, a Temporal dev server and the pinned OpenClaw gateway.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
start=$(date +%s)
bash scripts/ensure-deps.sh
bash scripts/build.sh
node_modules/.bin/mocha "$@"
echo "test command finished in $(( $(date +%s) - start )) s"
