#!/usr/bin/env bash
# The pinned Go-built programs (mods/tools): build them into the machine-wide cache, print their
# paths, and say which nats-server nunect runs. See `bash scripts/tools.sh --help`.
#
# Environment: NUNECT_CACHE_DIR  the cache (default: ${XDG_CACHE_HOME:-$HOME/.cache}/nunect)
#              NUNECT_ENV_FILE   a .env whose NATS_SERVER_BIN counts (default: none)
#              DENO              the deno binary (default: deno on PATH)
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_flag=()
if [ -n "${NUNECT_ENV_FILE:-}" ] && [ -f "$NUNECT_ENV_FILE" ]; then
  env_flag=(--env-file="$NUNECT_ENV_FILE")
fi
exec "${DENO:-deno}" run --quiet --no-prompt --config="$project/deno.json" -P=tools \
  "${env_flag[@]}" "$project/mods/tools/main.ts" "$@"
