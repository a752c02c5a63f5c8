#!/usr/bin/env bash
# Creates the next migration offline from the schema.prisma change since the last migration.
#
#   scripts/new-migration.sh <name> [--empty]
#
#   <name>    snake_case description, e.g. add_command_priority
#   --empty   create a migration with no generated SQL (for hand-written SQL / data migrations)
#
# How: `prisma migrate diff --from-schema-datamodel prisma/migrations/.schema-snapshot.prisma
# --to-schema-datamodel prisma/schema.prisma --script`. The snapshot is the datamodel as of the
# last migration; this script updates it together with the new migration. No database is read:
# Prisma's JS schema engine only needs *a* reachable PostgreSQL server to start, given by
# PRISMA_DIFF_DATABASE_URL (default postgresql://root@127.0.0.1:5432/postgres).
# See prisma/README.md.
set -euo pipefail

usage() { echo "usage: $0 <snake_case_name> [--empty]" >&2; exit 64; }
[ $# -ge 1 ] || usage
name="$1"; shift
empty=0
for arg in "$@"; do
  case "$arg" in
    --empty) empty=1 ;;
    *) usage ;;
  esac
done
[[ "$name" =~ ^[a-z0-9][a-z0-9_]*$ ]] || { echo "migration name must match ^[a-z0-9][a-z0-9_]*\$: $name" >&2; exit 64; }

cd "$(dirname "$0")/.."
MIGRATIONS=prisma/migrations
SCHEMA=prisma/schema.prisma
SNAPSHOT="$MIGRATIONS/.schema-snapshot.prisma"
PRISMA=node_modules/.bin/prisma
export DATABASE_URL="${PRISMA_DIFF_DATABASE_URL:-postgresql://root@127.0.0.1:5432/postgres}"
export PRISMA_HIDE_UPDATE_MESSAGE=1

mkdir -p "$MIGRATIONS"
last="$(find "$MIGRATIONS" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' | sort | tail -n 1)"
if [ -f "$SNAPSHOT" ]; then
  from=(--from-schema-datamodel "$SNAPSHOT")
elif [ -z "$last" ]; then
  from=(--from-empty)
else
  echo "error: $SNAPSHOT is missing but migrations exist; restore it from git (it must equal the schema as of $last)." >&2
  exit 1
fi

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
set +e
"$PRISMA" migrate diff "${from[@]}" --to-schema-datamodel "$SCHEMA" --script --exit-code >"$tmp"
rc=$?
set -e
case "$rc" in
  0)
    if [ "$empty" -eq 0 ]; then
      echo "No schema changes since ${last:-the empty database}; nothing to do (use --empty for a hand-written migration)."
      exit 0
    fi
    printf -- '-- Hand-written migration %s: add SQL here. Runs in one transaction.\n' "$name" >"$tmp"
    ;;
  2)
    if [ "$empty" -eq 1 ]; then
      echo "error: --empty given but schema.prisma has unmigrated changes; make that migration first." >&2
      exit 1
    fi
    ;;
  *)
    echo "error: prisma migrate diff failed (exit $rc); is PostgreSQL reachable at ${DATABASE_URL}?" >&2
    exit 1
    ;;
esac

ts="$(date -u +%Y%m%d%H%M%S)"
if [ -n "$last" ] && [[ ! "${ts}_$name" > "$last" ]]; then
  ts="$(( ${last%%_*} + 1 ))"   # keep names strictly increasing even if the clock is behind
fi
dir="$MIGRATIONS/${ts}_${name}"
mkdir "$dir"
cp "$tmp" "$dir/migration.sql"
cp "$SCHEMA" "$SNAPSHOT"
"$PRISMA" generate >/dev/null

echo "Created $dir/migration.sql:"
sed 's/^/    /' "$dir/migration.sql"
cat <<MSG

Next:
  1. Review the SQL (it is applied as written, in one transaction; never edit it after it is applied anywhere).
  2. Apply locally:  npx tsc -p tsconfig.json && DATABASE_URL=... node dist/scripts/migrate.js
  3. Drift test:     npx mocha dist/test/persistence/migrations.test.js
  4. Commit schema.prisma, $dir/ and $SNAPSHOT together.
MSG
