#!/usr/bin/env bash
# `deno task start`: creates .env on the first run, installs what is missing (scripts/setup.sh
# run: the current nats-server), creates the identity on the first run and this host's
# credentials whenever they are missing (scripts/identity.sh init: operator mode), builds the
# dashboard's islands, and runs the supervisor
# (mods/runtime) under its permission set, plus the read and write grant a NATS_DATA_DIR outside
# ./.data needs (computed from .env, as the supervisor computes the dashboard's network grant).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deno_bin=${DENO:-deno}

"$deno_bin" run --quiet -P=config mods/config/main.ts init
bash scripts/setup.sh run
DENO=$deno_bin bash scripts/identity.sh init
"$deno_bin" task --quiet build:islands
mapfile -t grants < <("$deno_bin" run --quiet -P=runtime --env-file=.env mods/runtime/main.ts --grants)
# The upgrade step (mods/upgrade) may add new secrets to this file.
export NUNECT_ENV_FILE=$PWD/.env
exec "$deno_bin" run --quiet -P=runtime "${grants[@]}" --env-file=.env mods/runtime/main.ts "$@"
