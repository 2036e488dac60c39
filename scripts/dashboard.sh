#!/usr/bin/env bash
# `deno task dashboard`: the dashboard alone (no supervisor), from .env, under its permission set
# with the grants .env calls for (its listen address, the NATS and monitoring servers, the TLS
# files it reads), as the supervisor computes them (mods/runtime/main.ts --flags dashboard).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
deno_bin=${DENO:-deno}

"$deno_bin" task --quiet build:islands
mapfile -t flags < <("$deno_bin" run --quiet -P=runtime --env-file=.env mods/runtime/main.ts --flags dashboard)
exec "$deno_bin" run -P=dashboard "${flags[@]}" --env-file=.env main.ts "$@"
