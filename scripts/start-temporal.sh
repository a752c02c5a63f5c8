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
search_attributes=()
for attr in $(node -e 'console.log(require(process.argv[1]).SEARCH_ATTRIBUTE_FLAGS.join(" "))' "$repo_root/dist/runtime/search-attributes.js"); do
  search_attributes+=(--search-attribute "$attr")
done
# None of these flags or values contains a space.
read -r -a tuning <<<"$(node -e 'const m = require(process.argv[1]); console.log([...m.SQLITE_FILE_FLAGS, ...m.TRANSFER_QUEUE_FLAGS].join(" "))' "$repo_root/dist/runtime/temporal-dev-server.js")"
exec "$repo_root/.tools/temporal/temporal" server start-dev \
  --ip 127.0.0.1 --port "$port" --ui-port "$ui_port" --namespace "$namespace" \
  --db-filename "$repo_root/.data/temporal/dev-server.sqlite" \
  --log-level warn "${search_attributes[@]}" "${tuning[@]}"
