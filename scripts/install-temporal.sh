#!/usr/bin/env bash
# Builds the pinned Temporal CLI (dev server + Web UI) with Go into the git-ignored .tools/temporal/.
# temporal.download is unreachable here, so the CLI comes from the Go module proxy as source.
# v1.5.1 is the newest release `go install` accepts: from v1.6.0 on, its go.mod has a `replace`
# directive, which `go install` refuses (shared notes, platform.md).
# The built binary is also kept in a machine-wide cache, so a fresh clone on the same machine
# copies it in seconds instead of rebuilding for minutes.
set -euo pipefail
TEMPORAL_CLI_VERSION="v1.5.1"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_dir="$repo_root/.tools/temporal"
target="$tool_dir/temporal"
cache_dir="${STARTINSIGHT_TOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/startinsight-runtime}/temporal-cli-$TEMPORAL_CLI_VERSION"

# `go install` builds report "0.0.0-DEV", so the check is on the server and UI versions that
# CLI v1.5.1 embeds.
EXPECTED_VERSIONS="Server 1.29.1, UI 2.42.1"
version_ok() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -qF "$EXPECTED_VERSIONS"; }

if version_ok "$target"; then
  echo "temporal CLI $TEMPORAL_CLI_VERSION present: $target"
  exit 0
fi
mkdir -p "$tool_dir" "$cache_dir"
if ! version_ok "$cache_dir/temporal"; then
  go_bin="$(command -v go || true)"
  [ -n "$go_bin" ] || go_bin=/usr/local/go/bin/go
  [ -x "$go_bin" ] || { echo "install-temporal: Go is needed to build the Temporal CLI (looked for go on PATH and /usr/local/go/bin/go)" >&2; exit 1; }
  echo "building temporal CLI $TEMPORAL_CLI_VERSION with $("$go_bin" version) (first time: several minutes, ~1.8 GB of modules)"
  start=$(date +%s)
  GOBIN="$cache_dir" GOFLAGS=-mod=mod "$go_bin" install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
  echo "built in $(( $(date +%s) - start )) s"
fi
cp "$cache_dir/temporal" "$target.tmp" && mv "$target.tmp" "$target"
version_ok "$target" || { echo "install-temporal: $target does not report "$EXPECTED_VERSIONS"" >&2; exit 1; }
echo "temporal CLI ready: $target ($("$target" --version))"
