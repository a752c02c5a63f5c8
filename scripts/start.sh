#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and runs the whole runtime in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="/usr/local/go/bin:$PATH"
bash scripts/ensure-deps.sh
bash scripts/build.sh
exec node dist/scripts/start-runtime.js
