#!/usr/bin/env bash
# Wraps a router artefact directory (scripts/build_router.sh) into an OpenWRT package (.ipk: a
# gzip tar of debian-binary, control.tar.gz and data.tar.gz, as OpenWRT's ipkg-build makes it):
#   /usr/lib/nunect-guardian/          the artefact
#   /usr/bin/nunect-guardian           -> the launcher
#   /etc/init.d/nunect-guardian        the procd init script (config/openwrt/nunect-guardian)
#   /etc/config/nunect                 UCI defaults (config/openwrt/nunect.uci), a conffile
#   /etc/nunect/guardian.env           the env file (mode 0600), a conffile
#   /etc/uci-defaults/90-nunect-guardian  names the unit (and leaf node) after the router on first boot
#   /usr/lib/nunect-guardian/procd_env.sh  the init scripts' shared UCI/env-file helper
# and, when the artefact holds the leaf node (build_router.sh --with-leaf):
#   /etc/init.d/nunect-leaf            its procd init script (config/openwrt/nunect-leaf)
#   /etc/nunect/leaf.env               its env file (mode 0600), a conffile
# Control scripts: config/openwrt/ipk/. Usage: scripts/build_ipk.sh DIR ARCH VERSION OUT
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -eq 4 ] || {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 1
}
dir=$1 arch=$2 version=$3 out=$4
src=$project/config/openwrt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

data=$work/data
mkdir -p "$data/usr/lib" "$data/usr/bin" "$data/etc/init.d" "$data/etc/config" \
  "$data/etc/nunect" "$data/etc/uci-defaults" "$work/control"
cp -a "$dir" "$data/usr/lib/nunect-guardian"
ln -s ../lib/nunect-guardian/nunect-guardian "$data/usr/bin/nunect-guardian"
install -m 0755 "$src/nunect-guardian" "$data/etc/init.d/nunect-guardian"
install -m 0644 "$src/nunect.uci" "$data/etc/config/nunect"
install -m 0600 "$src/guardian.env" "$data/etc/nunect/guardian.env"
install -m 0755 "$src/ipk/uci-defaults" "$data/etc/uci-defaults/90-nunect-guardian"
install -m 0644 "$src/procd_env.sh" "$data/usr/lib/nunect-guardian/procd_env.sh"
conffiles="/etc/config/nunect /etc/nunect/guardian.env"
if [ -x "$dir/nunect-leaf" ]; then
  install -m 0755 "$src/nunect-leaf" "$data/etc/init.d/nunect-leaf"
  install -m 0600 "$src/leaf.env" "$data/etc/nunect/leaf.env"
  conffiles="$conffiles /etc/nunect/leaf.env"
fi

deno_version=$(sed -nE 's/^deno ([^ ]+) .*/\1/p' "$dir/MANIFEST")
size=$(du -sk "$data" | cut -f1)
printf '%s\n' $conffiles >"$work/control/conffiles"
for f in control preinst postinst prerm; do
  sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" -e "s|@SIZE@|$((size * 1024))|" \
    -e "s|@DENO@|$deno_version|" "$src/ipk/$f" >"$work/control/$f"
done
chmod 0755 "$work/control/preinst" "$work/control/postinst" "$work/control/prerm"
echo "2.0" >"$work/debian-binary"

tar_opts=(--owner=0 --group=0 --numeric-owner --sort=name --format=gnu)
tar "${tar_opts[@]}" -C "$data" -czf "$work/data.tar.gz" .
tar "${tar_opts[@]}" -C "$work/control" -czf "$work/control.tar.gz" .
tar "${tar_opts[@]}" -C "$work" -czf "$out" ./debian-binary ./data.tar.gz ./control.tar.gz
