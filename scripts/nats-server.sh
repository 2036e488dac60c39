#!/usr/bin/env bash
# Runs nunect's NATS base server in the background, configured from .env.
#
# Usage: scripts/nats-server.sh <command>      (or: deno task nats <command>)
#   start      validate .env, check the ports, make sure the identity exists (operator, accounts:
#              `deno task identity init`), start nats-server and wait for /healthz (the binary:
#              NATS_SERVER_BIN, else the managed current server, built on first use with Go,
#              else nats-server on PATH, else Debian's; scripts/tools.sh says which)
#   stop       stop the server this script (or `deno task start`) started
#   status     pid, binary and version, ports and /healthz; exit 0 when running, 3 when not
#   reload     re-read config/*.conf without a restart (SIGHUP); .env changes need stop + start
#   ldm        lame-duck mode (SIGUSR2): stop taking clients, move the connected ones away over
#              lame_duck_duration (default 2 min), then exit; the dashboard logs LAMEDUCK
#   logs [-f]  the last 100 lines of the server log (-f: follow)
#
# Environment: NUNECT_ENV_FILE  the .env to use (default: <project>/.env)
#              DENO             the deno binary (default: deno on PATH)
# The pid file and log live in NATS_DATA_DIR (nats-server.pid, nats-server.log). The script never
# touches a process it did not start: a port held by anything else is reported, not freed.
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_file=${NUNECT_ENV_FILE:-$project/.env}
deno_bin=${DENO:-deno}

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
  echo "nats-server.sh: $*" >&2
  exit 1
}

# A wildcard listen address is reached on the loopback address; IPv6 goes in brackets.
reachable() {
  case "$1" in
    0.0.0.0 | "::" | "") echo 127.0.0.1 ;;
    *:*) echo "[$1]" ;;
    *) echo "$1" ;;
  esac
}

# Loads the validated server environment (export K=V lines and NUNECT_SERVER_CONF) from .env.
load_env() {
  [ -f "$env_file" ] || die "No environment file at $env_file: run \`deno task start\` once (it creates .env from .env.example) or copy .env.example to .env"
  command -v "$deno_bin" >/dev/null 2>&1 || die "deno is not on PATH: install Deno 2.9 or set DENO=/path/to/deno"
  local out status=0
  out=$(cd "$project" && "$deno_bin" run --quiet --no-prompt -P=config --env-file="$env_file" \
    mods/config/main.ts server-env) || status=$?
  if [ "$status" -ne 0 ]; then
    # mods/config already printed the list of bad variables.
    exit "$status"
  fi
  eval "$out"
  pid_file=$NATS_DATA_DIR/nats-server.pid
  log_file=$NATS_DATA_DIR/nats-server.log
  ports=("NATS_PORT:$NATS_PORT" "NATS_HTTP_PORT:$NATS_HTTP_PORT" "NATS_WS_PORT:$NATS_WS_PORT" "NATS_LEAF_PORT:$NATS_LEAF_PORT")
  [ -z "${NATS_HTTPS_PORT:-}" ] || ports+=("NATS_HTTPS_PORT:$NATS_HTTPS_PORT")
  for entry in "${ports[@]}"; do
    [ "${entry#*:}" != "-1" ] || die "${entry%%:*}=-1 (any free port) is for tests only: give a fixed port in $env_file"
  done
  reach_host=$(reachable "$NATS_HOST")
  monitor_host=$(reachable "$NATS_HTTP_HOST")
  if [ -n "${NATS_HTTPS_PORT:-}" ]; then
    monitor="https://$monitor_host:$NATS_HTTPS_PORT"
  else
    monitor="http://$monitor_host:$NATS_HTTP_PORT"
  fi
}

# Sets server_bin to the nats-server nunect runs (NATS_SERVER_BIN, else the managed current server,
# built on first use, else nats-server on PATH, else Debian's); progress and the choice go to stderr.
resolve_server() {
  server_bin=$(NUNECT_ENV_FILE="$env_file" DENO="$deno_bin" bash "$project/scripts/tools.sh" nats-server) ||
    exit 1
}

# "<path> (<version>)" of a running server's executable.
server_of() {
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null) || { echo "?"; return 0; }
  echo "$exe ($("$exe" --version 2>/dev/null || echo "version unknown"))"
}

# Whether a process runs (a zombie waiting for its reaper counts as gone).
running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Prints the pid of our own running server, or nothing. Cleans up a stale pid file.
own_pid() {
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(tr -dc '0-9' <"$pid_file")
  if [ -n "$pid" ] && running "$pid" &&
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "nats-server" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pid_file"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pid_file"
  echo "Removed stale pid file $pid_file${pid:+ (process $pid is not our nats-server)}" >&2
}

# Prints "<pid> <name>" of the process listening on a TCP port, "? ?" when the holder is not
# visible to us, or nothing when the port is free.
port_holder() {
  local line
  line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -n 1)
  [ -n "$line" ] || return 0
  if [[ "$line" =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
    echo "${BASH_REMATCH[2]} ${BASH_REMATCH[1]}"
  else
    echo "? ?"
  fi
}

healthz() {
  local ca=()
  [ -z "${NATS_TLS_CA:-}" ] || ca=(--cacert "$NATS_TLS_CA")
  curl -fsS --max-time 2 "${ca[@]}" "$monitor/healthz" 2>/dev/null || true
}

cmd_start() {
  load_env
  local pid
  pid=$(own_pid)
  if [ -n "$pid" ]; then
    echo "nats-server is already running (pid $pid)"
    return 0
  fi
  local busy=0 entry name port holder
  for entry in "${ports[@]}"; do
    name=${entry%%:*}
    port=${entry#*:}
    holder=$(port_holder "$port")
    [ -n "$holder" ] || continue
    busy=1
    if [ "$holder" = "? ?" ]; then
      echo "Port $port ($name) is already in use by another process (not visible to $(id -un))" >&2
    else
      echo "Port $port ($name) is already in use by process ${holder#* } (pid ${holder%% *}), which is not nunect's server" >&2
      if [ "${holder#* }" = nats-server ]; then
        echo "  (a nats-server started some other way, e.g. by \`deno task start\` with another data directory or by hand)" >&2
      fi
    fi
  done
  if [ "$busy" -ne 0 ]; then
    echo "Not starting: free the port(s) or choose others in $env_file. This script never stops processes it did not start" >&2
    exit 1
  fi
  resolve_server
  mkdir -p "$NATS_DATA_DIR" 2>/dev/null ||
    die "NATS_DATA_DIR=$NATS_DATA_DIR cannot be created by $(id -un): create it (sudo mkdir -p $NATS_DATA_DIR && sudo chown $(id -un) $NATS_DATA_DIR) or choose another directory in $env_file"
  # Operator mode: the operator JWT and the accounts' JWTs must exist (first start: created).
  NUNECT_ENV_FILE=$env_file DENO=$deno_bin bash "$project/scripts/identity.sh" init ||
    die "creating the identity failed (see above)"
  : >>"$log_file"
  local start_line
  start_line=$(($(wc -l <"$log_file") + 1))
  # setsid: the server keeps running when this shell or its terminal goes away.
  setsid "$server_bin" -c "$NUNECT_SERVER_CONF" -P "$pid_file" -l "$log_file" \
    </dev/null >>"$log_file" 2>&1 &
  local child=$!
  local i
  for i in $(seq 1 100); do
    if ! kill -0 "$child" 2>/dev/null; then
      echo "nats-server exited during start. Log ($log_file):" >&2
      tail -n +"$start_line" "$log_file" | tail -n 20 >&2
      exit 1
    fi
    if [ "$(healthz)" != "" ] && [ -s "$pid_file" ]; then
      echo "nats-server started (pid $child) with $(basename "$NUNECT_SERVER_CONF")"
      print_ports
      return 0
    fi
    sleep 0.1
  done
  echo "nats-server (pid $child) did not answer $monitor/healthz within 10 s; see $log_file" >&2
  exit 1
}

print_ports() {
  local scheme=nats ws=ws
  if [ -n "$NATS_TLS_CERT" ] && [ -n "$NATS_TLS_KEY" ]; then
    scheme=tls
    ws=wss
  fi
  echo "  clients     $scheme://$reach_host:$NATS_PORT"
  echo "  monitoring  $monitor"
  echo "  websocket   $ws://$reach_host:$NATS_WS_PORT"
  echo "  leaf nodes  nats-leaf://$reach_host:$NATS_LEAF_PORT"
  echo "  data        $NATS_DATA_DIR (log: $log_file)"
}

cmd_stop() {
  load_env
  local pid
  pid=$(own_pid)
  if [ -z "$pid" ]; then
    echo "nats-server is not running (no live pid in $pid_file)"
    return 0
  fi
  kill -TERM "$pid"
  local i
  for i in $(seq 1 100); do
    if ! running "$pid"; then
      rm -f "$pid_file"
      echo "nats-server stopped (pid $pid)"
      return 0
    fi
    sleep 0.1
  done
  echo "nats-server (pid $pid) did not stop within 10 s of SIGTERM; sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

cmd_status() {
  load_env
  local pid
  pid=$(own_pid)
  if [ -z "$pid" ]; then
    echo "nats-server is not running"
    exit 3
  fi
  local health
  health=$(healthz)
  echo "nats-server is running (pid $pid)"
  echo "  binary      $(server_of "$pid")"
  print_ports
  echo "  healthz     ${health:-no answer from $monitor/healthz}"
}

cmd_reload() {
  load_env
  local pid
  pid=$(own_pid)
  [ -n "$pid" ] || die "nats-server is not running: nothing to reload"
  kill -HUP "$pid"
  echo "Sent reload to nats-server (pid $pid); config/*.conf re-read (changes to $env_file need stop + start)"
}

cmd_ldm() {
  load_env
  local pid
  pid=$(own_pid)
  [ -n "$pid" ] || die "nats-server is not running: nothing to put in lame-duck mode"
  kill -USR2 "$pid"
  echo "Sent lame-duck mode to nats-server (pid $pid): it takes no new clients, moves the connected ones away over lame_duck_duration (default 2 min), then exits"
}

cmd_logs() {
  load_env
  [ -f "$log_file" ] || die "No log yet at $log_file"
  if [ "${1:-}" = "-f" ]; then
    exec tail -n 100 -f "$log_file"
  fi
  tail -n 100 "$log_file"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reload) cmd_reload ;;
  ldm) cmd_ldm ;;
  logs) cmd_logs "${2:-}" ;;
  -h | --help | help)
    usage
    ;;
  "")
    usage >&2
    exit 1
    ;;
  *)
    echo "Unknown command \"$1\": expected start, stop, status, reload, ldm or logs (see --help)" >&2
    exit 1
    ;;
esac
