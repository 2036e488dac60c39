#!/usr/bin/env bash
# `deno task backup`: one sealed archive of nunect's state (mods/backup under its permission set).
#
# Usage: deno task backup [FILE]                      everything: .env, the secret directories and
#                                                     every stream and KV bucket nunect keeps (not
#                                                     sessions); FILE default backups/nunect-<server>-<time>.nunect-backup
#        deno task backup stream ACCOUNT STREAM [FILE]  one stream, with progress (not sealed)
#        deno task backup list FILE                   what an archive holds (checks every entry)
# The passphrase: NUNECT_BACKUP_PASSPHRASE, else asked on the terminal (twice). Keep it apart from
# the archive: without it nothing in the archive can be read. nats-server must be running
# (deno task start, or only the server: deno task nats start).
# Environment: NUNECT_ENV_FILE (default <project>/.env), DENO (default deno on PATH).
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${NUNECT_ENV_FILE:-$project/.env}
deno_bin=${DENO:-deno}
export NUNECT_ENV_FILE=$env_file

die() {
  echo "backup.sh: $*" >&2
  exit 1
}

# Runs mods/backup/main.ts under -P=backup with the grants it computes for this command.
run() {
  local grants
  mapfile -t grants < <(cd "$project" && "$deno_bin" run --quiet --no-prompt -P=backup \
    --env-file="$env_file" mods/backup/main.ts --grants "$@") || exit 2
  cd "$project" && "$deno_bin" run --quiet --no-prompt -P=backup "${grants[@]}" \
    --env-file="$env_file" mods/backup/main.ts "$@"
}

case "${1:-}" in
  -h | --help)
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac
[ -f "$env_file" ] || die "No environment file at $env_file: nothing to back up here"
case "${1:-}" in
  stream)
    [ $# -ge 3 ] || die "Usage: deno task backup stream ACCOUNT STREAM [FILE]"
    out=()
    [ -z "${4:-}" ] || out=(--out "$(realpath -m "$4")")
    run stream-backup "$2" "$3" "${out[@]}"
    ;;
  list)
    [ $# -ge 2 ] || die "Usage: deno task backup list FILE"
    run list "$(realpath -m "$2")"
    ;;
  *)
    out=()
    [ -z "${1:-}" ] || out=(--out "$(realpath -m "$1")")
    run backup "${out[@]}"
    ;;
esac
