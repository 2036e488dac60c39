#!/usr/bin/env bash
# Runs the controller's command line (mods/controller/main.ts) under its permission set, allowed
# exactly its directories (NATS_IDENTITY_DIR, NATS_DATA_DIR) and its NATS server (NATS_URL), all
# read from .env: the set in deno.json covers the default ./.data only.
#
# Usage: scripts/identity.sh <command> [options]      (deno task identity <command>)
#        scripts/identity.sh --help                   the controller's commands
# Environment: NUNECT_ENV_FILE  the .env to use (default: <project>/.env)
#              DENO             the deno binary (default: deno on PATH)
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${NUNECT_ENV_FILE:-$project/.env}
deno_bin=${DENO:-deno}

env_args=()
[ -f "$env_file" ] && env_args=("--env-file=$env_file")
out=$(cd "$project" && "$deno_bin" run --quiet --no-prompt -P=config "${env_args[@]}" \
  mods/config/main.ts server-env) || exit $?
eval "$out"
net=$(NUNECT_ENV_FILE=$env_file bash "$project/scripts/guardian.sh" allow-net)
dirs="$NUNECT_IDENTITY_DIR,$NATS_DATA_DIR"
cd "$project"
exec "$deno_bin" run --quiet --no-prompt -P=controller "--allow-read=$dirs" "--allow-write=$dirs" \
  "--allow-net=$net" "${env_args[@]}" mods/controller/main.ts "$@"
