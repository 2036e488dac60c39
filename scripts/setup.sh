#!/usr/bin/env bash
# Installs the system packages nunect needs, from Debian, when running as root; otherwise prints
# the exact command to run. Usage: scripts/setup.sh [run|test]
#   run   what `deno task start` needs: nats-server
#   test  what the test suite needs as well: chromium, chrony, linuxptp, qemu-user-static, iproute2,
#         systemd (systemd-analyze checks the guardian's unit),
#         and Debian's arm64 libc (libc6:arm64) as qemu's loader prefix for the guardian's ARM64 test
set -euo pipefail

purpose=${1:-run}
case "$purpose" in
  run | test) ;;
  -h | --help)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "Unknown purpose \"$purpose\": expected run or test" >&2
    exit 1
    ;;
esac

# command -> Debian package
declare -A packages=([nats-server]=nats-server)
if [ "$purpose" = test ]; then
  packages+=([openssl]=openssl [chromium]=chromium [chronyd]=chrony [ptp4l]=linuxptp [qemu-aarch64-static]=qemu-user-static [ip]=iproute2 [systemd-analyze]=systemd)
fi

missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
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
