#!/usr/bin/env bash
# The installed client library cannot rot: install the build into a temporary prefix, build
# examples/ out of tree against it with find_package(ose), and run the strategy's --check.
# Usage: examples_out_of_tree.sh BUILD_DIR SOURCE_DIR [SANITIZERS]
set -euo pipefail
build="$1"
src="$2"
sanitize="${3:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
test -f "$work/prefix/lib/cmake/ose/oseConfig.cmake" || { echo "FAIL: no CMake package installed"; exit 1; }
for h in client.hpp strategy.hpp live_strategy.hpp; do
  test -f "$work/prefix/include/engine/client/$h" || { echo "FAIL: client header $h not installed"; exit 1; }
done

# A sanitized library needs the same runtime in the program that links it.
flags=""
[ -n "$sanitize" ] && flags="-fsanitize=$sanitize"
cmake -S "$src/examples" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; echo "FAIL: examples/ did not configure against the prefix"; exit 1; }
cmake --build "$work/build" -j 2 >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "FAIL: examples/ did not build against the prefix"; exit 1; }

# The program runs and applies its parameter rules.
out="$("$work/build/ema_rsi/ose-ema-rsi" --check --set ema_fast=5 --set stop_loss=0.015)"
grep -qx 'ema_fast=5' <<<"$out" || { echo "FAIL: --check did not print ema_fast=5: $out"; exit 1; }
grep -qx 'stop_loss=0.015' <<<"$out" || { echo "FAIL: --check did not print stop_loss=0.015"; exit 1; }
if "$work/build/ema_rsi/ose-ema-rsi" --check --set ema_fast=0 2>"$work/err.txt"; then
  echo "FAIL: ema_fast=0 was accepted"; exit 1
fi
grep -q 'bot.ema_fast: must be between 1 and 1000' "$work/err.txt" ||
  { echo "FAIL: unexpected refusal: $(cat "$work/err.txt")"; exit 1; }
echo "ok   - examples/ built out of tree against the installed ose package and ran"
