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
#         so is nginx into ~/.cache/nunect/nginx (the reverse-proxy test runs it as its own
#         process; the package would start a service on port 80), and chrony into
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
# Prometheus for the /metrics test: Debian's package unpacked into a cache directory and run by
# the test kit as the test's own process, never installed as a host service (the package would
# start one). Override with PROMETHEUS_BIN.
prometheus_dir="${XDG_CACHE_HOME:-$HOME/.cache}/nunect/prometheus"
if [ "$purpose" = test ] && [ -z "${PROMETHEUS_BIN:-}" ] && [ ! -x "$prometheus_dir/usr/bin/prometheus" ]; then
  echo "Unpacking Debian's prometheus into $prometheus_dir (one-time, for the /metrics test)..." >&2
  mkdir -p "$prometheus_dir"
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download prometheus >/dev/null 2>&1); then
    [ "$(id -u)" -eq 0 ] && apt-get update -qq >&2
    (cd "$tmp" && apt-get download prometheus >&2)
  fi
  dpkg-deb -x "$tmp"/prometheus_*.deb "$prometheus_dir"
  rm -rf "$tmp"
fi

# nginx for the reverse-proxy test (config/nginx): Debian's package unpacked into a cache
# directory and run by the test kit as the test's own process (nginx -c <conf> -g 'daemon off;'),
# never installed (the package starts a service on port 80). Override with NGINX_BIN.
nginx_dir="${XDG_CACHE_HOME:-$HOME/.cache}/nunect/nginx"
if [ "$purpose" = test ] && [ -z "${NGINX_BIN:-}" ] && [ ! -x "$nginx_dir/usr/sbin/nginx" ]; then
  echo "Unpacking Debian's nginx into $nginx_dir (one-time, for the reverse-proxy test)..." >&2
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download nginx >/dev/null 2>&1); then
    [ "$(id -u)" -eq 0 ] && apt-get update -qq >&2
    (cd "$tmp" && apt-get download nginx >&2)
  fi
  mkdir -p "$nginx_dir"
  dpkg-deb -x "$tmp"/nginx_*.deb "$nginx_dir"
  # Its libraries (libpcre2-8-0, libssl3, ...), not the package and its service.
  for dep in $(dpkg-deb -f "$tmp"/nginx_*.deb Depends | tr ',' '\n' | sed -E 's/^ *([^ (|]+).*/\1/'); do
    case "$dep" in lib* | zlib*) dpkg -s "$dep:$(dpkg --print-architecture)" >/dev/null 2>&1 || missing+=("$dep") ;; esac
  done
  rm -rf "$tmp"
fi

# chrony for the tests' own chronyd pair. Installing Debian's package would change the host's
# time service behind the user's back: it replaces systemd-timesyncd (both provide time-daemon)
# and starts a chronyd that disciplines the clock. So when the host has no chrony, the package is
# unpacked into the cache (dpkg-deb -x) and only its libraries are installed; the tests find
# chronyd and chronyc there (tests/timesync/_daemons.ts). NUNECT_CHRONY_UNPACK=1 unpacks even
# when the host has chrony (to try this path).
chrony_dir=${NUNECT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nunect}/chrony
if [ "$purpose" = test ] && [ ! -x "$chrony_dir/usr/sbin/chronyd" ] &&
  { [ "${NUNECT_CHRONY_UNPACK:-}" = 1 ] || [ ! -x /usr/sbin/chronyd ] || [ ! -x /usr/bin/chronyc ]; }; then
  echo "Unpacking Debian's chrony into $chrony_dir for the tests (installing the package would replace the host's time service, which stays as it is)..." >&2
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download chrony >/dev/null 2>&1); then
    [ "$(id -u)" -eq 0 ] && apt-get update -qq >&2
    (cd "$tmp" && apt-get download chrony >&2)
  fi
  rm -rf "$chrony_dir" && mkdir -p "$chrony_dir"
  dpkg-deb -x "$tmp"/chrony_*.deb "$chrony_dir"
  # Its libraries (libedit2, libgnutls30, libnettle8, …), not the package and its services.
  for dep in $(dpkg-deb -f "$tmp"/chrony_*.deb Depends | tr ',' '\n' | sed -E 's/^ *([^ (|]+).*/\1/'); do
    case "$dep" in lib*) dpkg -s "$dep:$(dpkg --print-architecture)" >/dev/null 2>&1 || missing+=("$dep") ;; esac
  done
  rm -rf "$tmp"
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
