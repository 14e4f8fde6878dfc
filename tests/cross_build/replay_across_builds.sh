#!/usr/bin/env bash
# Debug and Release builds replay the same journal to the same state hash: the Release `ose`
# engine journals the demo scenario (sent through its rings), and every other build given
# recovers that journal, with and without snapshots, to the hash the Release engine stopped at.
# And `ose backtest` (the built-in config, two days of ETHUSDT klines) ends at the same state
# hash in every build.
# Usage: replay_across_builds.sh SOURCE_DIR RELEASE_OSE OTHER_OSE...
set -uo pipefail
src="$1"; release="$2"; shift 2
work="$(mktemp -d)"
name="xb$$"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"; rm -f /dev/shm/ose."$name".*
}
trap cleanup EXIT
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 20/" "$src/config/example.toml" >"$work/config.toml"
"$release" engine --config "$work/config.toml" -q 2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$release" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
"$release" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null ||
  { echo "FAIL - the demo scenario did not go through"; exit 1; }
kill -TERM "$pid"; wait "$pid"; pid=""
hash="$(grep -o 'checkpoint hash [0-9a-f]*' "$work/engine.log" | awk '{print $3}')"
[ -n "$hash" ] || { echo "FAIL - the Release engine logged no checkpoint hash"; cat "$work/engine.log"; exit 1; }
failures=0
for other in "$@"; do
  for mode in "" --no-snapshots; do
    if "$other" recover --config "$work/config.toml" --check $mode --expect "$hash" >/dev/null; then
      echo "ok   - $other recover $mode gives the Release engine's hash $hash"
    else
      echo "FAIL - $other recover $mode differs from the Release engine's hash $hash"
      failures=$((failures + 1))
    fi
  done
done
klines="$src/../shared/data/binance/klines"
backtest_hash() { # backtest_hash OSE OUT_DIR: the state hash of its --json row
  "$1" backtest -q --json --out "$2" --set symbol=ETHUSDT --data "$klines/ETHUSDT-1m-2022-08-14.csv" \
    --data "$klines/ETHUSDT-1m-2022-08-15.csv" --latency-entry-us 500 --latency-response-us 300 \
    --feed-latency-us 100 | grep -o '"state_hash": "[0-9a-f]*"' | grep -o '[0-9a-f]\{16\}'
}
bt_hash="$(backtest_hash "$release" "$work/backtest-release")"
[ -n "$bt_hash" ] || { echo "FAIL - the Release backtest printed no state hash"; exit 1; }
n=0
for other in "$@"; do
  n=$((n + 1))
  other_hash="$(backtest_hash "$other" "$work/backtest-$n")"
  if [ "$other_hash" = "$bt_hash" ]; then
    echo "ok   - $other backtest gives the Release backtest's hash $bt_hash"
  else
    echo "FAIL - $other backtest gives '$other_hash', the Release one $bt_hash"
    failures=$((failures + 1))
  fi
done
exit "$failures"
