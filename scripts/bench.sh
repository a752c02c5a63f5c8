#!/usr/bin/env bash
# `npm run bench` (bench/README.md): builds, then measures the runtime against bare Temporal and
# the gateway alone. `npm run bench -- --smoke` (or BENCH_SMOKE=1) runs a tiny version (< 60 s)
# that writes its results to a temp dir.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build.sh
exec node dist/bench/run.js "$@"
