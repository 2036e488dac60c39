#!/usr/bin/env bash
# Installs what nunect needs on this machine. Usage: scripts/setup.sh [run|test]
#   run   what `deno task start` needs: nats-server. The current server is built with Go (pinned
#         in mods/tools/pins.ts, cached machine-wide); Debian's package is the fallback
#   test  what the test suite needs as well: Debian's nats-server (the compatibility part runs on
#         it), every pinned Go program (natscli, prometheus-nats-exporter, toxiproxy), chromium,
#         chrony, linuxptp, qemu-user-static, iproute2, systemd (systemd-analyze checks the
#         guardian's unit), and Debian's arm64 libc (libc6:arm64) for the guardian's ARM64 test
# Debian packages are installed with apt-get when running as root; otherwise the exact command is
# printed. Go programs need Go and Deno; without them one line says so and Debian's server is used.
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
purpose=${1:-run}
case "$purpose" in
  run | test) ;;
  -h | --help)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
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
declare -A packages=()
if [ "$purpose" = test ]; then
  # Debian's server for the compatibility part, next to the current one.
  [ -x /usr/sbin/nats-server ] || packages+=([nats-server]=nats-server)
  packages+=([openssl]=openssl [chromium]=chromium [chronyd]=chrony [ptp4l]=linuxptp [qemu-aarch64-static]=qemu-user-static [ip]=iproute2 [systemd-analyze]=systemd)
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
# The aarch64 Deno runs under qemu-aarch64-static with -L / and needs the arm64 loader and libc.
arm64_arch=
if [ "$purpose" = test ] && [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
  missing+=(libc6:arm64 libgcc-s1:arm64)
  dpkg --print-foreign-architectures | grep -qx arm64 || arm64_arch=yes
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing packages: ${missing[*]}. Install them with:" >&2
  [ -n "$arm64_arch" ] && echo "  sudo dpkg --add-architecture arm64" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get (one-time)..." >&2
export DEBIAN_FRONTEND=noninteractive
[ -n "$arm64_arch" ] && dpkg --add-architecture arm64
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
