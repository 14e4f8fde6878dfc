#!/usr/bin/env bash
# `ose fleet` against a real nats-server on loopback: three engines replicate to it; the fleet
# view, rebuilt from their streams alone, lists every engine at its own seq and state hash, and
# every view (positions, balances, open orders, PnL), per engine and in total, equals the sums
# worked out in tests/tools/fleet_sums.py with exact decimals from the three engines' own
# `ose inspect --json` and configs; `--watch` shows an order placed after it started and ends
# cleanly on SIGINT.
# Usage: replicate_fleet.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
base="fl$$"
engines=("${base}a" "${base}b" "${base}c")
on_cleanup() { kill_all; for e in "${engines[@]}"; do rm -f /dev/shm/ose."$e".*; done; }

check "nats-server starts on loopback" start_nats
i=0
for name in "${engines[@]}"; do
  i=$((i + 1))
  sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/$name\"|" \
    "$src/config/example.toml" >"$work/config.toml"
  cp "$work/config.toml" "$work/$name.toml"
  check "engine $name starts" start_engine
  pids+=("$pid")
  pid=""
  "$ose" replicate --config "$work/$name.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
  pids+=($!)
  # The demo's fills make positions; random traffic on top makes each engine's different.
  "$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null 2>&1
  send_random "$i" $((50 * i))
  seq="$(applied_seq "$name")"
  check "... its stream catches up (seq $seq)" wait_acked "$name" "$seq"
  "$ose" inspect --engine "$name" --json >"$work/$name.json"
done

for view in positions balances orders pnl; do
  "$ose" fleet --nats "$nats_url" "$view" --json >"$work/fleet_$view.json" 2>"$work/fleet.err"
  check "ose fleet $view --json" test $? -eq 0
  check "... per engine and in total, equals the sums of the engines' inspect --json" \
    python3 "$src/tests/tools/fleet_sums.py" "$view" "$work/fleet_$view.json" "${engines[@]/#/$work/}"
done
"$ose" fleet --nats "$nats_url" >"$work/fleet.txt"
check "the text view lists the three engines" test "$(grep -c "^engine ${base}" "$work/fleet.txt")" -eq 3
for view in orders pnl; do
  "$ose" fleet --nats "$nats_url" "$view" >"$work/fleet_$view.txt"
  check "the $view text view has a total row" grep -q "^  total " "$work/fleet_$view.txt"
done

# --watch: started first, it must show an order placed after it started, then stop cleanly on
# SIGINT. The new order (a fresh cl_id) rests on ${engines[0]}: one more open BTCUSDT buy.
name="${engines[0]}"
timeout 60 "$ose" fleet --nats "$nats_url" orders --watch --json --interval 0.1 \
  >"$work/watch.jsonl" 2>"$work/watch.err" &
watch_pid=$!
pids+=("$watch_pid")
for _ in $(seq 200); do [ -s "$work/watch.jsonl" ] && break; sleep 0.05; done
check "ose fleet --watch prints the view at once" test -s "$work/watch.jsonl"
"$ose" send --engine "$name" --client ops '{"op":"new_order","client":"ema1","cl_id":990001,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.0001","price":"61750"}' >"$work/new_order.txt" 2>&1
seq="$(applied_seq "$name")"
check "... the new order is journaled and acknowledged (seq $seq)" wait_acked "$name" "$seq"
"$ose" inspect --engine "$name" --json >"$work/$name.json"
watch_shows() {
  python3 - "$work/watch.jsonl" "$name" "$seq" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
first, last = json.loads(lines[0]), json.loads(lines[-1])
count = lambda v: {r["symbol"]: r["orders"] for r in v["total"]}.get("BTCUSDT", 0)
assert last["engines"][sys.argv[2]]["seq"] == int(sys.argv[3]), last["engines"][sys.argv[2]]["seq"]
assert count(last) == count(first) + 1, (count(first), count(last))
PY
}
for _ in $(seq 40); do watch_shows 2>/dev/null && break; sleep 0.1; done
check "... --watch printed the view again with the new order" watch_shows
tail -n 1 "$work/watch.jsonl" >"$work/fleet_watch.json"
check "... and that view equals the sums of the engines' inspect --json" \
  python3 "$src/tests/tools/fleet_sums.py" orders "$work/fleet_watch.json" "${engines[@]/#/$work/}"
kill -INT "$watch_pid"
wait "$watch_pid"
check "... SIGINT ends it with exit 0" test $? -eq 0
# The text form under SIGTERM: a dated view, then exit 0.
timeout 60 "$ose" fleet --nats "$nats_url" pnl --watch --interval 0.1 >"$work/watch.txt" 2>>"$work/watch.err" &
watch_pid=$!
pids+=("$watch_pid")
for _ in $(seq 200); do grep -q "^  total " "$work/watch.txt" 2>/dev/null && break; sleep 0.05; done
kill -TERM "$watch_pid"
wait "$watch_pid"
check "ose fleet pnl --watch: SIGTERM ends it with exit 0" test $? -eq 0
check "... after a dated view with totals" grep -q "^--- .*Z ---" "$work/watch.txt"
finish "$work/watch.err" "$work/new_order.txt" "$work/fleet.err" "$work/rep.log" "$work/engine.log"
