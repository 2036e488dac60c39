#!/usr/bin/env bash
# Compiles the guardian into one self-contained binary per target with `deno compile -P=guardian`
# (the guardian's permission set is baked in; --allow-net is the host:port of NATS_URL at compile
# time, default 127.0.0.1:4222, the local NATS or leaf-node server; it reads its credentials only
# from /etc/nunect or ./.data/identity/creds/units, where NATS_CREDS must point).
#
# Usage: scripts/compile.sh [x86_64|aarch64|all]      (deno task compile = all)
# Output: dist/guardian-x86_64-unknown-linux-gnu, dist/guardian-aarch64-unknown-linux-gnu
#
# deno compile joins the program to denort, Deno's runtime-only binary, which it downloads from
# dl.deno.land for the running Deno version. Where that host cannot be reached, give the runtime:
#   DENORT_BIN_X86_64=/path/denort    DENORT_BIN_AARCH64=/path/denort
#   DENORT_BIN=/path/denort           (its architecture is read from its ELF header)
# taken from denort-<target>.zip of the same Deno release as `deno --version` (copy it from a
# machine that has internet), or place that zip where deno caches it:
#   ${DENO_DIR:-~/.cache/deno}/dl/release/v<version>/denort-<target>.zip
# The full `deno` binary (e.g. npm's @deno/linux-arm64-glibc) is NOT a denort: it would start a
# REPL instead of the guardian.
set -euo pipefail

project=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deno_bin=${DENO:-deno}
out_dir=${NUNECT_DIST:-$project/dist}

die() {
  echo "compile.sh: $*" >&2
  exit 1
}

case "${1:-all}" in
  all) targets=(x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu) ;;
  x86_64 | amd64 | x86_64-unknown-linux-gnu) targets=(x86_64-unknown-linux-gnu) ;;
  aarch64 | arm64 | aarch64-unknown-linux-gnu) targets=(aarch64-unknown-linux-gnu) ;;
  -h | --help)
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *) die "unknown target \"$1\": expected x86_64, aarch64 or all" ;;
esac

command -v "$deno_bin" >/dev/null 2>&1 || die "deno is not on PATH: install Deno 2.9 or set DENO"
version=$("$deno_bin" --version | head -n 1 | awk '{print $2}')
deno_dir=${DENO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/deno}

# ELF e_machine of a file: x86_64, aarch64 or something else.
elf_arch() {
  local magic machine
  magic=$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')
  [ "$magic" = 7f454c46 ] || { echo "not-elf"; return; }
  machine=$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')
  case "$machine" in
    62) echo x86_64 ;;
    183) echo aarch64 ;;
    *) echo "machine-$machine" ;;
  esac
}

# Whether a binary is the full deno CLI (it answers --version with "deno x.y.z"; denort does not).
full_deno() {
  local bin=$1 arch=$2 runner=()
  if [ "$arch" != "$(uname -m)" ]; then
    command -v "qemu-$arch-static" >/dev/null 2>&1 || return 1
    runner=("qemu-$arch-static" -L /)
  fi
  timeout 60 "${runner[@]}" "$bin" --version 2>/dev/null | head -n 1 | grep -qE '^deno [0-9]'
}

# The denort to use for a target: prints its path, or nothing to let deno find or download it.
runtime_for() {
  local arch=${1%%-*} var given
  var=DENORT_BIN_$(tr '[:lower:]' '[:upper:]' <<<"$arch")
  given=${!var:-}
  if [ -z "$given" ] && [ -n "${DENORT_BIN:-}" ] && [ "$(elf_arch "$DENORT_BIN")" = "$arch" ]; then
    given=$DENORT_BIN
  fi
  [ -n "$given" ] || return 0
  [ -f "$given" ] || die "$var=$given: no such file"
  [ "$(elf_arch "$given")" = "$arch" ] || die "$given is a $(elf_arch "$given") binary, not $arch"
  if full_deno "$given" "$arch"; then
    die "$given is the full deno CLI, not denort (deno compile would build a binary that starts a REPL): give the denort of denort-$1.zip"
  fi
  echo "$given"
}

url=${NATS_URL:-nats://127.0.0.1:4222}
net=$(bash "$project/scripts/guardian.sh" allow-net "$url")
mkdir -p "$out_dir"
failed=0
for target in "${targets[@]}"; do
  out=$out_dir/guardian-$target
  runtime=$(runtime_for "$target")
  cached=$deno_dir/dl/release/v$version/denort-$target.zip
  env_args=()
  if [ -n "$runtime" ]; then
    env_args=("DENORT_BIN=$runtime")
    echo "compile.sh: $target with the runtime $runtime" >&2
  elif [ -n "${DENORT_BIN:-}" ]; then
    # DENORT_BIN is for another architecture: keep deno from using it for this target.
    env_args=(-u DENORT_BIN)
  fi
  log=$(mktemp)
  if (cd "$project" && env "${env_args[@]}" "$deno_bin" compile --quiet -P=guardian \
    "--allow-net=$net" --target "$target" --output "$out" mods/guardian/main.ts) 2>"$log"; then
    echo "compile.sh: built $out (net $net)"
  else
    failed=1
    if grep -qiE 'dl\.deno\.land|error sending request|dns error|download' "$log"; then
      cat >&2 <<MSG
compile.sh: cannot get the Deno runtime (denort $version) for $target: deno compile could not
download it from dl.deno.land and none was given. Copy denort-$target.zip of Deno $version from a machine with
internet and either unzip it and set DENORT_BIN_$(tr '[:lower:]' '[:upper:]' <<<"${target%%-*}")=/path/to/denort, or put the zip at
  $cached
(deno's own error: $(grep -m1 -iE 'error sending request|dns error|download' "$log" | sed 's/\x1b\[[0-9;]*m//g; s/^ *//'))
MSG
    else
      echo "compile.sh: deno compile failed for $target:" >&2
      cat "$log" >&2
    fi
  fi
  rm -f "$log"
done
exit "$failed"
