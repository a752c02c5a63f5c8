#!/usr/bin/env bash
# Everything a fresh machine of this kind lacks, installed from the reachable registries only:
# npm packages (from the committed lockfile), the Temporal CLI (built with Go), the pinned OpenClaw
# gateway and its Node 24 (npm), Debian's chromium for the /docs browser test (apt). Each step is
# skipped when already in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock-snapshot.json; then
  # --ignore-scripts: prisma's and @prisma/engines' install scripts would download native engines
  # from a host that is unreachable; the project uses the WASM engine and needs none of them.
  npm ci --ignore-scripts --no-audit --no-fund
  cp package-lock.json node_modules/.package-lock-snapshot.json
fi
bash scripts/install-temporal.sh
bash scripts/install-gateway.sh
# The /docs test drives this browser with playwright-core, which must never download its own.
# The package index is refreshed only when the cached one is too old to install from.
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium || { apt-get update && apt-get install -y --no-install-recommends chromium; }
fi
