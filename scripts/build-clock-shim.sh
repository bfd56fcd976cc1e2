#!/usr/bin/env bash
# Builds the LD_PRELOAD clock shim used by real mode (src/real/shim/clock-shim.c) into
# build/clock-shim.so (or the path given as $1). Rebuilds only when the source is newer.
#
#   gcc -shared -fPIC -O2 -o build/clock-shim.so src/real/shim/clock-shim.c -ldl
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/src/real/shim/clock-shim.c"
out="${1:-$root/build/clock-shim.so}"

if ! command -v gcc >/dev/null 2>&1; then
  echo "gcc not found: apt-get install gcc" >&2
  exit 127
fi
if [ -f "$out" ] && [ "$out" -nt "$src" ] && [ "${FORCE:-0}" != "1" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$(dirname "$out")"
# Build next to the target, then rename: concurrent builds never expose a half-written .so.
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
gcc -shared -fPIC -O2 -Wall -Wextra -o "$tmp" "$src" -ldl
mv -f "$tmp" "$out"
trap - EXIT
echo "$out"
