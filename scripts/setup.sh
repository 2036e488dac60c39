#!/usr/bin/env bash
# Installs the system packages nunect needs, from Debian, when running as root; otherwise prints
# the exact command to run. Usage: scripts/setup.sh [run|test]
#   run   what `deno task start` needs: nats-server
#   test  what the test suite needs as well: chromium, chrony, linuxptp, qemu-user-static, iproute2
set -euo pipefail

purpose=${1:-run}
case "$purpose" in
  run | test) ;;
  -h | --help)
    sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
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
  packages+=([chromium]=chromium [chronyd]=chrony [ptp4l]=linuxptp [qemu-aarch64-static]=qemu-user-static [ip]=iproute2)
fi

missing=()
for cmd in "${!packages[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing packages: ${missing[*]}. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get (one-time)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
