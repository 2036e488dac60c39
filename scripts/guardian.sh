#!/usr/bin/env bash
# Runs the guardian (heartbeat, echo, RTT, clock status of this unit) under its permission set.
#
# Usage: scripts/guardian.sh <command>      (deno task guardian = scripts/guardian.sh run)
#   run     in the foreground (Ctrl-C stops it)
#   start   in the background; pid and log in .data/ (guardian.pid, guardian.log)
#   stop    stop the guardian this script started
#   status  pid and the last log lines; exit 0 when running, 3 when not
#   build   compile a single binary for this machine's architecture (scripts/compile.sh)
#
# Environment: NUNECT_ENV_FILE  the .env to use (default: <project>/.env; variables already set in
#                               the environment take precedence over the file)
#              DENO             the deno binary (default: deno on PATH)
#              NUNECT_DATA_DIR  where start keeps guardian.pid and guardian.log (default .data)
# The permission set `guardian` of deno.json allows only 127.0.0.1:4222; this script replaces that
# with the host:port of NATS_URL, so the guardian can reach exactly its configured server, and
# lets it read exactly its credentials file (NATS_CREDS, or the one issued for UNIT_ID).
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${NUNECT_ENV_FILE:-$project/.env}
deno_bin=${DENO:-deno}
data_dir=${NUNECT_DATA_DIR:-$project/.data}
pid_file=$data_dir/guardian.pid
log_file=$data_dir/guardian.log

usage() {
  sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
  echo "guardian.sh: $*" >&2
  exit 1
}

# A variable from the environment, else from the env file, else the default ($2).
env_value() {
  local name=$1 default=$2
  if [ -n "${!name:-}" ]; then
    echo "${!name}"
  elif [ -f "$env_file" ] && grep -qE "^[[:space:]]*$name=." "$env_file"; then
    grep -E "^[[:space:]]*$name=" "$env_file" | tail -n 1 | sed -E 's/^[^=]*=//; s/^"(.*)"$/\1/'
  else
    echo "$default"
  fi
}

# The TLS files the guardian reads (NATS_TLS_CA, NATS_TLS_CLIENT_CERT and _KEY), comma-separated.
tls_files() {
  local out=() name value
  for name in NATS_TLS_CA NATS_TLS_CLIENT_CERT NATS_TLS_CLIENT_KEY; do
    value=$(env_value "$name" "")
    [ -z "$value" ] || out+=("$value")
  done
  (IFS=','; echo "${out[*]}")
}

nats_url() {
  env_value NATS_URL nats://127.0.0.1:4222
}

# The unit's credentials file: NATS_CREDS, else the one `deno task identity` issued for UNIT_ID.
creds_file() {
  local creds
  creds=$(env_value NATS_CREDS "")
  if [ -z "$creds" ]; then
    creds="$(env_value NATS_IDENTITY_DIR ./.data/identity)/creds/units/$(env_value UNIT_ID nunect-hub).creds"
  fi
  echo "$creds"
}

# host:port of every server in a NATS URL list (nats://[user:pass@]host[:port][,...]).
allow_net() {
  local url=$1 out=() part hostport
  IFS=',' read -ra parts <<<"$url"
  for part in "${parts[@]}"; do
    hostport=$(sed -E 's#^[a-z]+://##; s#^[^@/]*@##; s#/.*$##' <<<"$part")
    [ -n "$hostport" ] || continue
    if ! grep -qE '(:[0-9]+)$' <<<"$hostport" || grep -qE '^[^[]*:.*:' <<<"$hostport"; then
      hostport="$hostport:4222"
    fi
    out+=("$hostport")
  done
  (IFS=','; echo "${out[*]}")
}

# The guardian's memory settings (config/guardian_memory.env, as the router artefact's launcher),
# exported for Deno.
memory_settings() {
  set -a
  # shellcheck source=../config/guardian_memory.env
  . "$project/config/guardian_memory.env"
  set +a
}

deno_args() {
  local net
  net=$(allow_net "$(nats_url)")
  [ -n "$net" ] || die "NATS_URL \"$(nats_url)\" names no host"
  # The guardian's own NATS_CREDS default knows only ./.data/identity: pass the file found here.
  NATS_CREDS=$(creds_file)
  export NATS_CREDS
  local tls
  tls=$(tls_files)
  args=(run --quiet --no-prompt -P=guardian "--allow-net=$net" "--allow-read=$NATS_CREDS${tls:+,$tls}")
  [ -f "$env_file" ] && args+=("--env-file=$env_file")
  args+=(mods/guardian/main.ts)
  memory_settings
}

own_pid() {
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(tr -dc '0-9' <"$pid_file")
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "mods/guardian/main.ts"; then
    echo "$pid"
  else
    rm -f "$pid_file"
  fi
}

cmd=${1:-}
case "$cmd" in
  run)
    command -v "$deno_bin" >/dev/null 2>&1 || die "deno is not on PATH: install Deno 2.9 or set DENO"
    deno_args
    cd "$project"
    exec "$deno_bin" "${args[@]}"
    ;;
  start)
    command -v "$deno_bin" >/dev/null 2>&1 || die "deno is not on PATH: install Deno 2.9 or set DENO"
    pid=$(own_pid)
    [ -z "$pid" ] || die "already running (pid $pid)"
    mkdir -p "$data_dir"
    deno_args
    cd "$project"
    nohup "$deno_bin" "${args[@]}" >>"$log_file" 2>&1 </dev/null &
    echo $! >"$pid_file"
    sleep 1
    pid=$(own_pid)
    [ -n "$pid" ] || die "the guardian exited at once; see $log_file:
$(tail -n 20 "$log_file")"
    echo "guardian started (pid $pid, log $log_file)"
    ;;
  stop)
    pid=$(own_pid)
    if [ -z "$pid" ]; then
      echo "guardian is not running"
      exit 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$pid_file"
    echo "guardian stopped (pid $pid)"
    ;;
  status)
    pid=$(own_pid)
    if [ -z "$pid" ]; then
      echo "guardian is not running"
      exit 3
    fi
    echo "guardian is running (pid $pid, NATS_URL $(nats_url))"
    [ -f "$log_file" ] && tail -n 5 "$log_file"
    exit 0
    ;;
  build)
    exec bash "$project/scripts/compile.sh" "$(uname -m)"
    ;;
  allow-net)
    # for the supervisor and tests: the --allow-net value this script would use
    allow_net "${2:-$(nats_url)}"
    ;;
  -h | --help | "")
    usage
    [ -n "$cmd" ]
    ;;
  *)
    usage >&2
    die "unknown command \"$cmd\""
    ;;
esac
