#!/usr/bin/env bash
# The test suite on both servers (`deno task test`):
#   part 1  every test, against the nats-server nunect runs (NATS_SERVER_BIN, else the managed
#           current server, else nats-server on PATH, else Debian's)
#   part 2  the compatibility subset below, against Debian's nats-server 2.9.10, when it is
#           installed and part 1 ran another server
# Each part starts with a line naming its server. Arguments (test files, deno test flags) run
# part 1 only, with them. Exit status: non-zero when any part failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Start and stop, every monitoring fetcher (over HTTPS too), the dashboard over HTTPS (without
# client certificates there), units, activity, the "requires nats-server ≥ X" notes, the JetStream
# console (its fallbacks without batched direct get), metric history and alerts (streams, KV lease
# and state, direct gets, the pages), stream snapshots and identity (the attacks refused,
# revocation within seconds, on routers' leaf servers too, browser users): what must keep working
# on Debian's server. A test of a feature 2.9.10 lacks is declared with `needs(…)` from
# tests/_kit/version.ts, so it shows as ignored, never as passed.
compat=(
  tests/foundation/server_test.ts
  tests/foundation/supervisor_test.ts
  tests/foundation/nats_script_test.ts
  tests/foundation/jetstream_wait_test.ts
  tests/monitor/
  tests/dashboard/live_test.ts
  tests/dashboard/units_test.ts
  tests/dashboard/pages_test.ts
  tests/jetstream/
  tests/dashboard/jetstream_test.ts
  tests/dashboard/cluster_test.ts
  tests/dashboard/actions_test.ts
  tests/dashboard/https_test.ts
  tests/history/
  tests/alerts/
  tests/identity/attacks_test.ts
  tests/identity/revocation_test.ts
  tests/router/revocation_test.ts
  tests/router/claims_links_test.ts
  tests/router/forged_telemetry_test.ts
  tests/dashboard/browser_users_test.ts
  tests/backup/snapshot_test.ts
  tests/security/console_roles_test.ts
)
debian=/usr/sbin/nats-server

bash scripts/setup.sh test || exit 1
about=$(mktemp)
trap 'rm -f "$about"' EXIT
current=$(bash scripts/tools.sh nats-server 2>"$about") || {
  cat "$about" >&2
  exit 1
}

echo "== Part 1: every test against $(tail -n 1 "$about")"
NATS_SERVER_BIN=$current deno test -A --no-prompt "$@"
status=$?

if [ $# -eq 0 ] && [ -x "$debian" ] && [ "$(realpath "$current")" != "$(realpath "$debian")" ]; then
  echo "== Part 2: compatibility subset against nats-server $("$debian" --version | sed 's/.*v//') (Debian's package: $debian)"
  NATS_SERVER_BIN=$debian deno test -A --no-prompt "${compat[@]}" || status=1
elif [ $# -eq 0 ]; then
  echo "== Part 2 (compatibility subset on Debian's nats-server) not run: $(
    [ -x "$debian" ] && echo "part 1 already ran Debian's server" || echo "$debian is not installed"
  )"
fi
exit "$status"
