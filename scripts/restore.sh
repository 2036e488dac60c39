#!/usr/bin/env bash
# `deno task restore`: brings a machine back to the state of a backup (mods/backup).
#
# Usage: deno task restore FILE [--force] [--replace] [--data-dir DIR] [--identity-dir DIR]
#          1. writes .env and the identity (operator and account keys and JWTs, credentials) from
#             the archive; files that exist and differ are kept unless --force; --data-dir DIR
#             sets NATS_DATA_DIR, --identity-dir DIR puts the identity there and sets
#             NATS_IDENTITY_DIR (a new machine)
#          2. starts only nats-server (deno task nats start) unless it runs already
#          3. restores every stream and KV bucket with JetStream's restore API; a stream that
#             exists is refused unless --replace (which deletes it first)
#          4. stops the server it started; then start nunect with deno task start
#        deno task restore stream FILE [--account ACCOUNT] [--replace]   one stream's backup
# Stop nunect first (deno task start's Ctrl-C): its programs create empty buckets when they start.
# The passphrase: NUNECT_BACKUP_PASSPHRASE, else asked once on the terminal.
# Environment: NUNECT_ENV_FILE (default <project>/.env), DENO (default deno on PATH).
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${NUNECT_ENV_FILE:-$project/.env}
deno_bin=${DENO:-deno}
export NUNECT_ENV_FILE=$env_file DENO=$deno_bin

die() {
  echo "restore.sh: $*" >&2
  exit 1
}

run() {
  local grants env_flag=()
  [ ! -f "$env_file" ] || env_flag=(--env-file="$env_file")
  mapfile -t grants < <(cd "$project" && "$deno_bin" run --quiet --no-prompt -P=backup \
    "${env_flag[@]}" mods/backup/main.ts --grants "$@") || exit 2
  cd "$project" && "$deno_bin" run --quiet --no-prompt -P=backup "${grants[@]}" \
    "${env_flag[@]}" mods/backup/main.ts "$@"
}

case "${1:-}" in
  "" | -h | --help)
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 1
    ;;
  stream)
    [ $# -ge 2 ] || die "Usage: deno task restore stream FILE [--account ACCOUNT] [--replace]"
    file=$(realpath -m "$2")
    shift 2
    [ -f "$env_file" ] || die "No environment file at $env_file"
    run stream-restore "$file" "$@"
    exit 0
    ;;
esac

file=$(realpath -m "$1")
shift
[ -f "$file" ] || die "No backup at $file"
files_args=()
streams_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --force) files_args+=(--force) ;;
    --replace) streams_args+=(--replace) ;;
    --data-dir)
      [ $# -ge 2 ] || die "--data-dir needs a directory"
      files_args+=(--data-dir "$(realpath -m "$2")")
      shift
      ;;
    --identity-dir)
      [ $# -ge 2 ] || die "--identity-dir needs a directory"
      files_args+=(--identity-dir "$(realpath -m "$2")")
      shift
      ;;
    *) die "Unknown option \"$1\": expected --force, --replace, --data-dir DIR or --identity-dir DIR" ;;
  esac
  shift
done
if [ -z "${NUNECT_BACKUP_PASSPHRASE:-}" ]; then
  [ -t 0 ] || die "No passphrase: set NUNECT_BACKUP_PASSPHRASE or run in a terminal to be asked"
  read -rsp "Backup passphrase: " NUNECT_BACKUP_PASSPHRASE
  echo >&2
  export NUNECT_BACKUP_PASSPHRASE
fi

echo "== 1/3 .env and secrets"
run restore-files "$file" "${files_args[@]}"
started=
if ! bash "$project/scripts/nats-server.sh" status >/dev/null 2>&1; then
  echo "== 2/3 nats-server (only the server)"
  bash "$project/scripts/nats-server.sh" start
  started=yes
else
  echo "== 2/3 nats-server runs already"
fi
stop() { [ -z "$started" ] || bash "$project/scripts/nats-server.sh" stop >/dev/null; }
trap stop EXIT
echo "== 3/3 streams and KV buckets"
run restore-streams "$file" "${streams_args[@]}"
echo "Restored. Start nunect with: deno task start"
