#!/bin/sh
# nunect guardian @VERSION@ for @ARCH@ Linux (glibc or musl, e.g. OpenWRT): a self-extracting
# archive (this POSIX sh header, then a @COMPRESS@ tar) built by scripts/build_router.sh.
#
# Usage: sh @NAME@ [--extract [DIR] | --check | --list | --help]
#   (no option)      extract once to $NUNECT_GUARDIAN_HOME (default ${TMPDIR:-/tmp}/nunect-guardian-
#                    <version>-<checksum>) and run the guardian from there
#   --extract [DIR]  extract to DIR (default .) and say how to run it
#   --check          verify the archive's SHA-256
#   --list           list the archive's files
# The guardian reads its configuration from the environment (NATS_URL, UNIT_ID, …; see
# guardian.env inside). Needs only busybox: sh, tail, @DECOMPRESS@, tar, sha256sum.
set -eu

SKIP=@SKIP@
SHA256=@SHA256@
TOP=@TOP@
ARCH=@ARCH@
self=$0

die() {
	echo "@NAME@: $*" >&2
	exit 1
}

payload() {
	tail -c +$((SKIP + 1)) "$self"
}

decompress() {
	case @COMPRESS@ in
	gzip) gzip -dc ;;
	xz)
		if command -v unxz >/dev/null 2>&1; then
			unxz -c
		elif command -v xz >/dev/null 2>&1; then
			xz -dc
		else
			die "this archive is xz-compressed and neither unxz nor xz is installed: install xz (opkg install xz-utils) or use the gzip build"
		fi
		;;
	esac
}

check() {
	command -v sha256sum >/dev/null 2>&1 || {
		echo "@NAME@: sha256sum is missing; the archive is not verified" >&2
		return 0
	}
	sum=$(payload | sha256sum | cut -d' ' -f1)
	[ "$sum" = "$SHA256" ] || die "the archive is damaged (SHA-256 $sum, expected $SHA256): copy the file again"
}

check_arch() {
	m=$(uname -m)
	[ "$m" = "$ARCH" ] || die "built for $ARCH, this machine is $m: use the $m build"
}

# Extracts into $1/$TOP through a temporary directory, so a half-written copy is never used.
extract() {
	mkdir -p "$1"
	tmp="$1/.$TOP.$$"
	rm -rf "$tmp"
	mkdir "$tmp"
	if ! payload | decompress | tar -xf - -C "$tmp"; then
		rm -rf "$tmp"
		die "could not extract into $1 (space left: $(df -h "$1" 2>/dev/null | tail -n 1))"
	fi
	rm -rf "${1:?}/$TOP"
	mv "$tmp/$TOP" "$1/$TOP"
	rmdir "$tmp"
}

case "${1:-}" in
--extract)
	dest=${2:-.}
	check
	extract "$dest"
	dir=$(cd "$dest/$TOP" && pwd)
	echo "extracted to $dir; run it with: NATS_URL=… UNIT_ID=… NATS_CREDS=… $dir/nunect-guardian"
	exit 0
	;;
--check)
	check
	echo "@NAME@: SHA-256 ok"
	exit 0
	;;
--list)
	payload | decompress | tar -tf -
	exit 0
	;;
-h | --help)
	sed -n '2,14p' "$self" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac

check_arch
home=${NUNECT_GUARDIAN_HOME:-${TMPDIR:-/tmp}/nunect-guardian-@ID@}
if [ ! -x "$home/$TOP/nunect-guardian" ]; then
	check
	extract "$home"
fi
exec "$home/$TOP/nunect-guardian" "$@"
# the archive follows this line
