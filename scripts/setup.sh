#!/usr/bin/env bash
# Installs what nunect needs on this machine. Usage: scripts/setup.sh [run|test]
#   run   what `deno task start` needs: nats-server. The current server is built with Go (pinned
#         in mods/tools/pins.ts, cached machine-wide); Debian's package is the fallback. Also ps
#         and kill (procps) and setpriv (util-linux): the supervisor ties its children to its life
#         and ends a killed supervisor's leftovers with them
#   test  what the test suite needs as well: Debian's nats-server (the compatibility part runs on
#         it), every pinned Go program (natscli, prometheus-nats-exporter, toxiproxy), chromium,
#         linuxptp, qemu-user-static, iproute2, systemd (systemd-analyze checks the guardian's
#         unit), util-linux (unshare), xz-utils, and Debian's arm64 package lists
#         (dpkg --add-architecture arm64): the router artefact and the tests' musl root file
#         systems take arm64 packages with apt-get download, which installs nothing;
#         Debian's prometheus is unpacked into ~/.cache/nunect/prometheus (not a service), and
#         so are nginx and caddy into ~/.cache/nunect/nginx and caddy (the reverse-proxy test
#         runs them as its own processes; the packages would start services), and chrony into
#         ~/.cache/nunect/chrony when the host has none (installing it would replace the host's
#         time service); libnss3-tools (certutil) lets the tests' Chromium trust their CA
# Debian packages are installed with apt-get when running as root; otherwise the exact command is
# printed. Go programs need Go and Deno; without them one line says so and Debian's server is used.
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
purpose=${1:-run}
case "$purpose" in
  run | test) ;;
  -h | --help)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "Unknown purpose \"$purpose\": expected run or test" >&2
    exit 1
    ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }
deno_bin=${DENO:-deno}
go_tools() {
  # Prints progress, and one line saying why when a program cannot be built.
  DENO="$deno_bin" bash "$project/scripts/tools.sh" install "$@" >/dev/null || true
}
any_server() { have nats-server || [ -x /usr/sbin/nats-server ] || [ -x "$project/.tools/nats-server" ]; }

# The pinned Go programs first: with them, `run` needs nothing from Debian.
if ! have go; then
  echo "Go is not installed: nunect's current nats-server cannot be built; using Debian's nats-server (2.9.10)" >&2
elif ! have "$deno_bin"; then
  echo "Deno is not on PATH: the pinned Go programs are built on the next \`deno task start\` or \`deno task test\`" >&2
elif [ "$purpose" = run ]; then
  go_tools nats-server
else
  go_tools
fi

# command -> Debian package
declare -A packages=([ps]=procps [kill]=procps [setpriv]=util-linux)
if [ "$purpose" = test ]; then
  # Debian's server for the compatibility part, next to the current one.
  [ -x /usr/sbin/nats-server ] || packages+=([nats-server]=nats-server)
  packages+=([openssl]=openssl [certutil]=libnss3-tools [chromium]=chromium [ptp4l]=linuxptp [qemu-aarch64-static]=qemu-user-static [ip]=iproute2 [systemd-analyze]=systemd [unshare]=util-linux [xz]=xz-utils [dpkg-deb]=dpkg)
elif ! any_server; then
  packages+=([nats-server]=nats-server)
fi

missing=()
for cmd in "${!packages[@]}"; do
  if [ "$cmd" = nats-server ]; then
    missing+=(nats-server)
  else
    have "$cmd" || missing+=("${packages[$cmd]}")
  fi
done
# apt-get download of arm64 packages needs arm64 in dpkg's architectures and apt's lists.
arm64_arch=
if [ "$purpose" = test ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  arm64_arch=yes
fi
# ... and lists that know the packages (a fresh machine may have none yet)
if [ "$purpose" = test ] && [ -z "$arm64_arch" ] && ! apt-cache show musl:arm64 >/dev/null 2>&1; then
  arm64_arch=lists
fi
[ -z "$arm64_arch" ] || [ "$(id -u)" -ne 0 ] || {
  echo "Adding Debian's arm64 package lists (dpkg --add-architecture arm64; one-time)..." >&2
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  arm64_arch=
}
# Debian packages the tests run as their own processes are unpacked into the cache, never
# installed: installing would start a host service (prometheus, nginx on port 80, caddy on 80 and
# 443) or replace one (chrony). unpack <package> <directory> <why>: the package's files into the
# directory, and its libraries (lib*, zlib*) onto the list of packages to install.
cache_dir=${NUNECT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nunect}
unpack() {
  local package=$1 dir=$2 tmp dep
  echo "Unpacking Debian's $package into $dir (one-time, $3)..." >&2
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download "$package" >/dev/null 2>&1); then
    [ "$(id -u)" -eq 0 ] && apt-get update -qq >&2
    (cd "$tmp" && apt-get download "$package" >&2)
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  dpkg-deb -x "$tmp/${package}"_*.deb "$dir"
  for dep in $(dpkg-deb -f "$tmp/${package}"_*.deb Depends | tr ',' '\n' | sed -E 's/^ *([^ (|]+).*/\1/'); do
    case "$dep" in lib* | zlib*) dpkg -s "$dep:$(dpkg --print-architecture)" >/dev/null 2>&1 || missing+=("$dep") ;; esac
  done
  rm -rf "$tmp"
}
if [ "$purpose" = test ]; then
  # Prometheus for the /metrics test (override with PROMETHEUS_BIN).
  [ -n "${PROMETHEUS_BIN:-}" ] || [ -x "$cache_dir/prometheus/usr/bin/prometheus" ] ||
    unpack prometheus "$cache_dir/prometheus" "for the /metrics test"
  # nginx and Caddy for the reverse-proxy test, config/nginx and config/caddy (NGINX_BIN,
  # CADDY_BIN).
  [ -n "${NGINX_BIN:-}" ] || [ -x "$cache_dir/nginx/usr/sbin/nginx" ] ||
    unpack nginx "$cache_dir/nginx" "for the reverse-proxy test"
  [ -n "${CADDY_BIN:-}" ] || [ -x "$cache_dir/caddy/usr/bin/caddy" ] ||
    unpack caddy "$cache_dir/caddy" "for the reverse-proxy test"
  # chrony for the tests' own chronyd pair, when the host has none: its package replaces
  # systemd-timesyncd (both provide time-daemon) and starts a chronyd that disciplines the clock.
  # The tests find chronyd and chronyc there (tests/timesync/_daemons.ts).
  # NUNECT_CHRONY_UNPACK=1 unpacks even when the host has chrony (to try this path).
  if [ ! -x "$cache_dir/chrony/usr/sbin/chronyd" ] &&
    { [ "${NUNECT_CHRONY_UNPACK:-}" = 1 ] || [ ! -x /usr/sbin/chronyd ] || [ ! -x /usr/bin/chronyc ]; }; then
    unpack chrony "$cache_dir/chrony" "the host's time service stays as it is"
  fi
fi

[ ${#missing[@]} -eq 0 ] && [ -z "$arm64_arch" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] || echo "Missing packages: ${missing[*]}. Install them with:" >&2
  [ -n "$arm64_arch" ] && echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update" >&2
  [ ${#missing[@]} -eq 0 ] || echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get (one-time)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
