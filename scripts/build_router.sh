#!/usr/bin/env bash
# Builds the router artefact of the guardian: Deno, the glibc loader and the few libraries Deno
# needs, the guardian bundled into one JS file, and a launcher that runs it under exactly the
# guardian permission set. It runs on glibc and musl systems alike (OpenWRT): the launcher starts
# Deno through the loader shipped beside it (lib/ld-linux-*.so.* --library-path lib).
#
# Usage: scripts/build_router.sh [x86_64|aarch64|all] [--xz] [--with-leaf]
#                                                            (deno task build:router = all)
#   --xz         compress the self-extracting file with xz (smaller; the router needs unxz or xz)
#                instead of gzip (every busybox has it)
#   --with-leaf  add the leaf node: the pinned nats-server, built static (CGO_ENABLED=0) for the
#                target by scripts/tools.sh (mods/tools), as bin/nats-server with the launcher
#                nunect-leaf (it runs the leaf.conf of the router's bundle, /etc/nunect)
# Output, per architecture, in dist/router/ ($NUNECT_DIST/router):
#   nunect-guardian-<arch>/         the directory (run nunect-guardian in it)
#   nunect-guardian-<arch>.run      the same as one self-extracting POSIX sh file
#   nunect-guardian_<version>_<arch>.ipk   an OpenWRT package: the directory in
#                                   /usr/lib/nunect-guardian, /usr/bin/nunect-guardian, the procd
#                                   init script, UCI defaults and /etc/nunect/guardian.env
# Inputs (cached in ${XDG_CACHE_HOME:-~/.cache}/nunect/router):
#   Deno: npm's @deno/linux-arm64-glibc / @deno/linux-x64-glibc at the version of `deno --version`,
#         its licence notice from npm's deno (the wrapper package) at the same version
#   libraries: Debian's libc6 and libgcc-s1 of the target architecture, extracted by
#              scripts/debian_root.sh (nothing is installed on this machine)
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deno_bin=${DENO:-deno}
out_dir=${NUNECT_DIST:-$project/dist}/router
cache=${XDG_CACHE_HOME:-$HOME/.cache}/nunect/router

die() {
  echo "build_router.sh: $*" >&2
  exit 1
}

archs=()
compress=gzip
leaf=
for arg in "$@"; do
  case "$arg" in
    all) archs+=(x86_64 aarch64) ;;
    x86_64 | amd64) archs+=(x86_64) ;;
    aarch64 | arm64) archs+=(aarch64) ;;
    --xz) compress=xz ;;
    --with-leaf) leaf=yes ;;
    -h | --help)
      sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument \"$arg\": expected x86_64, aarch64, all or --xz" ;;
  esac
done
[ ${#archs[@]} -gt 0 ] || archs=(x86_64 aarch64)

for tool in npm apt-get dpkg-deb tar gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install $tool)"
done
[ "$compress" = gzip ] || command -v xz >/dev/null 2>&1 || die "xz is missing (apt-get install xz-utils)"
command -v "$deno_bin" >/dev/null 2>&1 || die "deno is not on PATH: install Deno 2.9 or set DENO"
deno_version=$("$deno_bin" --version | head -n 1 | awk '{print $2}')
version=$(sed -nE 's/^  "version": "([^"]+)".*/\1/p' "$project/deno.json")
[ -n "$version" ] || die "no version in deno.json"

# The guardian permission set of deno.json as flag values: env, run, sys (net is computed at start).
permission() {
  "$deno_bin" eval --quiet --no-config "
    const set = JSON.parse(Deno.readTextFileSync('$project/deno.json')).permissions.guardian;
    const v = set['$1'];
    if (!Array.isArray(v) || v.length === 0) throw new Error('guardian set has no $1 list');
    console.log(v.join(','));"
}
perm_env=$(permission env)
perm_run=$(permission run)
perm_sys=$(permission sys)

# Fetches an npm package at Deno's version once (npm pack, the pinned version); prints the
# directory of its extracted files.
fetch_npm() {
  local pkg=$1 dir=$cache/npm/${1#@deno/}-$deno_version tmp
  if [ ! -f "$dir/package/package.json" ]; then
    tmp=$dir.tmp.$$
    rm -rf "$tmp" && mkdir -p "$tmp"
    (cd "$tmp" && npm pack "$pkg@$deno_version" --silent >/dev/null &&
      tar xzf ./*.tgz && rm -f ./*.tgz) || {
      rm -rf "$tmp"
      die "npm pack $pkg@$deno_version failed: is the npm registry reachable?"
    }
    # moved into place whole, so concurrent builds never use a half-extracted package
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$dir/package"
}

# The target's Deno binary from npm; prints its path.
fetch_deno() {
  local dir
  dir=$(fetch_npm "$1")
  [ -x "$dir/deno" ] || die "$1@$deno_version holds no deno binary"
  echo "$dir/deno"
}

# Deno's licence notice: the platform packages carry none, the npm package `deno` (the wrapper
# that installs them) of the same version does.
fetch_deno_license() {
  local dir
  dir=$(fetch_npm deno)
  [ -f "$dir/LICENSE" ] || die "npm's deno@$deno_version holds no LICENSE (Deno's licence notice)"
  echo "$dir/LICENSE"
}

# Copies the loader and the shared libraries Deno needs from an extracted Debian root.
copy_libs() {
  local root=$1 dest=$2 loader=$3 lib path
  for lib in "$loader" libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libgcc_s.so.1; do
    path=$(find "$root" -name "$lib" \( -type f -o -type l \) | head -n 1)
    [ -n "$path" ] || die "$lib is not in Debian's packages under $root"
    cp -L "$path" "$dest/$lib"
  done
}

# The licence notices of the Debian packages the libraries come from (their
# /usr/share/doc/<package>/copyright) as LICENSE.<package>: libc6's is in its own package,
# libgcc-s1's doc directory is a link to its gcc-N-base package, fetched the same way.
copy_notices() {
  local debs=$1 debarch=$2 dest=$3 base doc
  base=$(dpkg-deb -f "$debs"/debs/libgcc-s1_*.deb Depends | grep -oE 'gcc-[0-9]+-base' | head -n 1)
  [ -n "$base" ] || die "libgcc-s1's Depends names no gcc-N-base package (its copyright is there)"
  doc=$(bash "$project/scripts/debian_root.sh" "$debarch" "$base")
  for pair in "libc6:$debs/root/usr/share/doc/libc6/copyright" \
    "libgcc-s1:$doc/root/usr/share/doc/$base/copyright"; do
    [ -f "${pair#*:}" ] || die "${pair#*:} is missing: the licence notice of ${pair%%:*}"
    cp "${pair#*:}" "$dest/LICENSE.${pair%%:*}"
  done
  notice_debs=$doc
}

# Where the source of a .deb is: Debian's source package at its version (the LGPL's offer).
deb_source() {
  local src ver
  src=$(dpkg-deb -f "$1" Source)
  ver=$(dpkg-deb -f "$1" Version)
  case $src in *"("*) ver=${src#*(} ver=${ver%)} ;; esac
  src=${src%% *}
  echo "${src:-$(dpkg-deb -f "$1" Package)} $ver https://snapshot.debian.org/package/${src:-$(dpkg-deb -f "$1" Package)}/$ver/"
}

mkdir -p "$out_dir"
bundle=$(mktemp)
trap 'rm -f "$bundle"' EXIT
(cd "$project" && "$deno_bin" bundle --quiet --platform deno --minify --keep-names \
  -o "$bundle" mods/guardian/main.ts) || die "deno bundle of mods/guardian/main.ts failed"
grep -q 'from "npm:' "$bundle" && die "the bundle still imports npm: specifiers"
bundle_id=$(sha256sum "$bundle" | cut -c1-16)

for arch in "${archs[@]}"; do
  case "$arch" in
    x86_64) npm_pkg=@deno/linux-x64-glibc debarch=amd64 goarch=amd64 loader=ld-linux-x86-64.so.2 ;;
    aarch64) npm_pkg=@deno/linux-arm64-glibc debarch=arm64 goarch=arm64 loader=ld-linux-aarch64.so.1 ;;
  esac
  top=nunect-guardian-$arch
  dir=$out_dir/$top
  deno=$(fetch_deno "$npm_pkg")
  debs=$(bash "$project/scripts/debian_root.sh" "$debarch" libc6 libgcc-s1)
  rm -rf "$dir"
  mkdir -p "$dir/bin" "$dir/lib"
  cp "$deno" "$dir/bin/deno"
  copy_libs "$debs/root" "$dir/lib" "$loader"
  copy_notices "$debs" "$debarch" "$dir"
  cp "$(fetch_deno_license)" "$dir/LICENSE.deno"
  cp "$bundle" "$dir/guardian.js"
  sed -e "s|@LOADER@|$loader|" -e "s|@ENV@|$perm_env|" -e "s|@RUN@|$perm_run|" \
    -e "s|@SYS@|$perm_sys|" -e "s|@BUNDLE_ID@|$bundle_id|" \
    "$project/config/router/nunect-guardian" >"$dir/nunect-guardian"
  chmod 0755 "$dir/nunect-guardian" "$dir/bin/deno" "$dir/lib/$loader"
  cp "$project/config/openwrt/guardian.env" "$dir/guardian.env"
  cp "$project/config/guardian_memory.env" "$dir/memory.env"
  leaf_line=
  if [ -n "$leaf" ]; then
    server=$(DENO="$deno_bin" bash "$project/scripts/tools.sh" path nats-server --target "linux/$goarch") ||
      die "cannot build the static nats-server for linux/$goarch (scripts/tools.sh said why above)"
    cp "$server" "$dir/bin/nats-server"
    pin=$(sed -nE 's#.*/nats-server@([^/]+)/.*#\1#p' <<<"$server")
    license=$(go env GOMODCACHE 2>/dev/null)/github.com/nats-io/nats-server/v2@$pin/LICENSE
    [ -f "$license" ] || die "nats-server's LICENSE is not in the Go module cache ($license)"
    cp "$license" "$dir/LICENSE.nats-server"
    sed "s|@VERSION@|$version|" "$project/config/router/nunect-leaf" >"$dir/nunect-leaf"
    chmod 0755 "$dir/nunect-leaf"
    leaf_line="nats-server $pin (static, linux/$goarch; leaf.conf from the router's bundle)"
  fi
  {
    echo "nunect guardian $version for $arch"
    echo "deno $deno_version ($npm_pkg@$deno_version; its LICENSE from npm's deno@$deno_version)"
    sed 's/^/debian /' "$debs/versions" "$notice_debs/versions"
    for deb in "$debs"/debs/*.deb; do echo "source $(deb_source "$deb")"; done
    echo "licences: LICENSE.deno (Deno), LICENSE.libc6 (glibc), LICENSE.libgcc-s1 (libgcc_s)${leaf:+, LICENSE.nats-server}"
    echo "permissions: net=<host:port of NATS_URL> env=$perm_env run=$perm_run sys=$perm_sys"
    [ -z "$leaf_line" ] || echo "$leaf_line"
  } >"$dir/MANIFEST"

  # the single self-extracting file: header + tar.<gz|xz>
  name=$top.run
  payload=$(mktemp)
  if [ "$compress" = xz ]; then
    tar -C "$out_dir" -cf - "$top" | xz -6 -T0 -c >"$payload"
    decompress="unxz or xz"
  else
    tar -C "$out_dir" -cf - "$top" | gzip -6 -c >"$payload"
    decompress=gzip
  fi
  sha=$(sha256sum "$payload" | cut -d' ' -f1)
  header() {
    sed -e "s|@VERSION@|$version|g" -e "s|@ARCH@|$arch|g" -e "s|@NAME@|$name|g" \
      -e "s|@COMPRESS@|$compress|g" -e "s|@DECOMPRESS@|$decompress|g" -e "s|@SHA256@|$sha|" \
      -e "s|@ID@|$version-${sha:0:12}|g" -e "s|@TOP@|$top|" -e "s|@SKIP@|$1|" \
      "$project/config/router/selfextract.sh"
  }
  # the header's length depends on the number of digits of the offset it states
  skip=0
  while [ "$(header "$skip" | wc -c)" -ne "$skip" ]; do skip=$(header "$skip" | wc -c); done
  { header "$skip" && cat "$payload"; } >"$out_dir/$name"
  chmod 0755 "$out_dir/$name"
  rm -f "$payload"

  bash "$project/scripts/build_ipk.sh" "$dir" "$arch" "$version" \
    "$out_dir/nunect-guardian_${version}_$arch.ipk"
  echo "build_router.sh: $arch: $dir ($(du -sh "$dir" | cut -f1)), $out_dir/$name ($(du -h "$out_dir/$name" | cut -f1)), nunect-guardian_${version}_$arch.ipk"
done
