#!/usr/bin/env bash
# How `ose backtest --grid` scales with --jobs (issue 15's benchmark; figures for
# docs/PERFORMANCE.md, not a test): the same 8-combination grid over the bundled BTCUSDT spot
# bookTicker + trades files, run with --jobs 1, then with --jobs 2 … up to the core count, each
# timed on the wall clock. Every run must rank the same rows (the state hashes are compared), so
# a speed-up never comes from doing different work.
# Usage: bench/backtest_grid_scaling.sh [PATH/TO/ose [MAX_JOBS]]
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
ose="${1:-$src/build/tools/ose}"
max_jobs="${2:-$(nproc)}"
data="$src/../shared/data/binance"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

grid=(--grid ema_fast=5,8 --grid ema_slow=21,34 --grid bar_ticks=20,40)
files=(--data "$data/bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv"
       --data "$data/trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv")

echo "ose backtest ${files[*]} ${grid[*]} -q --json --out DIR --jobs N"
echo "$(nproc) cores; $(uname -srm)"
base=""
for ((jobs = 1; jobs <= max_jobs; jobs++)); do
  out="$work/jobs-$jobs"
  t0=$(date +%s.%N)
  "$ose" backtest "${files[@]}" "${grid[@]}" -q --json --out "$out" --jobs "$jobs" >"$out.json"
  t1=$(date +%s.%N)
  wall=$(echo "$t1 - $t0" | bc -l)
  hashes=$(grep -o '"state_hash": "[0-9a-f]*"' "$out.json" | sort | tr '\n' ' ')
  if [[ $(echo "$hashes" | wc -w) -ne 16 ]]; then
    echo "--jobs $jobs: expected 8 rows, got: $hashes" >&2
    exit 1
  fi
  if [[ -z "$base" ]]; then
    base=$wall
    first_hashes=$hashes
  elif [[ "$hashes" != "$first_hashes" ]]; then
    echo "--jobs $jobs ranked different rows from --jobs 1" >&2
    exit 1
  fi
  printf -- "--jobs %d: %6.2f s wall, speed-up %.2f× over --jobs 1\n" "$jobs" "$wall" \
    "$(echo "$base / $wall" | bc -l)"
done
