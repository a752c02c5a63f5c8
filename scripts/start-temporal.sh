#!/usr/bin/env bash
# Starts the Temporal dev server (full server on SQLite + Web UI) with the runtime's search
# attributes, persisting to .data/temporal/ so workflows survive a restart. Foreground process.
# Its tuning (the transfer-queue read rate, the SQLite journal) is runtime/temporal-dev-server.ts's.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/install-temporal.sh" >/dev/null
mkdir -p "$repo_root/.data/temporal"
port="${TEMPORAL_PORT:-7233}"
ui_port="${TEMPORAL_UI_PORT:-8233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
# The search attributes and the tuning flags, from one node start (none contains a space).
read -r -a server_flags <<<"$(node -e '
  const [attributes, devServer] = process.argv.slice(1).map((file) => require(file));
  const flags = [...attributes.SEARCH_ATTRIBUTE_FLAGS.flatMap((a) => ["--search-attribute", a]), ...devServer.SQLITE_FILE_FLAGS, ...devServer.TRANSFER_QUEUE_FLAGS];
  console.log(flags.join(" "));
' "$repo_root/dist/runtime/search-attributes.js" "$repo_root/dist/runtime/temporal-dev-server.js")"
exec "$repo_root/.tools/temporal/temporal" server start-dev \
  --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" --namespace "$namespace" \
  --db-filename "$repo_root/.data/temporal/dev-server.sqlite" \
  --log-level warn "${server_flags[@]}"
