#!/usr/bin/env bash
# `deno task upgrade`: brings NATS_DATA_DIR (and .env) from an older nunect to this one
# (mods/upgrade under its permission set, plus the grants `--grants` computes from .env: a data
# directory or .env outside the project, NATS_URL on another port).
#
# Usage: deno task upgrade [--check]   --check only says what would be done (no NATS needed)
# Environment: NUNECT_ENV_FILE (default <project>/.env), DENO (default deno on PATH).
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=$(realpath -m "${NUNECT_ENV_FILE:-$project/.env}")
deno_bin=${DENO:-deno}
export NUNECT_ENV_FILE=$env_file

case "${1:-}" in
  -h | --help | --version)
    cd "$project" && exec "$deno_bin" run --quiet --no-prompt -P=upgrade mods/upgrade/main.ts "$@"
    ;;
esac
if [ ! -f "$env_file" ]; then
  echo "upgrade.sh: No environment file at $env_file: run deno task start once, or set NUNECT_ENV_FILE" >&2
  exit 1
fi
cd "$project"
mapfile -t grants < <("$deno_bin" run --quiet --no-prompt -P=upgrade --env-file="$env_file" \
  mods/upgrade/main.ts --grants) || exit 2
[ "${#grants[@]}" -gt 0 ] || exit 2
exec "$deno_bin" run --quiet --no-prompt -P=upgrade "${grants[@]}" --env-file="$env_file" \
  mods/upgrade/main.ts "$@"
