#!/usr/bin/env bash
# Extracts Debian packages of one architecture into a cached directory, without installing
# anything on this machine (apt-get download + dpkg-deb -x), and prints the directory. The router
# build takes glibc's loader and libraries from it; the tests build musl-only root file systems
# from it (musl, busybox-static).
#
# Usage: scripts/debian_root.sh ARCH PACKAGE...     e.g. scripts/debian_root.sh arm64 musl busybox-static
# Output: <dir>, holding root/ (the extracted files) and versions (the .deb files used)
# Cache: ${XDG_CACHE_HOME:-~/.cache}/nunect/debian/<arch>-<packages>
# Foreign architectures need `dpkg --add-architecture arm64 && apt-get update` once
# (scripts/setup.sh test does it).
set -euo pipefail

[ $# -ge 2 ] || {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 1
}
arch=$1
shift
dir=${XDG_CACHE_HOME:-$HOME/.cache}/nunect/debian/$arch-$(IFS=-; echo "$*")
if [ ! -f "$dir/.done" ]; then
  # built beside and moved into place, so concurrent builds never see a half-extracted root
  tmp=$dir.tmp.$$
  trap 'rm -rf "$tmp"' EXIT
  rm -rf "$tmp"
  mkdir -p "$tmp/debs" "$tmp/root"
  if ! (cd "$tmp/debs" && apt-get download -q=2 "${@/%/:$arch}" 2>"$tmp/apt.log"); then
    cat "$tmp/apt.log" >&2
    echo "debian_root.sh: apt-get download ${*/%/:$arch} failed; for a foreign architecture run once: dpkg --add-architecture $arch && apt-get update (or bash scripts/setup.sh test)" >&2
    exit 1
  fi
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  (cd "$tmp/debs" && ls) >"$tmp/versions"
  touch "$tmp/.done"
  mv -T "$tmp" "$dir" 2>/dev/null || [ -f "$dir/.done" ]
fi
echo "$dir"
