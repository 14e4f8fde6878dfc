#!/usr/bin/env bash
# `ose demo` end to end as a user runs it: engine, feed, venue and strategy as processes, a few
# seconds on a synthetic market and a full day of real BTCUSDT klines; then the journal replayed
# to the state hash the run ended with, the report rebuilt from the journal (text identical to
# the demo's, JSON, PNG), Ctrl-C, a second run moving the first aside, and the error paths.
# Usage: demo_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
klines="$src/../shared/data/binance/klines/BTCUSDT-1m-2024-09-21.csv"
name="dm$$"
# The demo's own processes (engine, feed, venue, strategy), which this script never holds the ids of.
on_cleanup() {
  pkill -KILL -f -- "--engine $name" 2>/dev/null
  pkill -KILL -f -- "$work/data/demo.toml" 2>/dev/null
}
# The integer after "KEY": in a pretty-printed JSON file (first match).
json_int() { grep -o "\"$2\": *[0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }
# Segments and the engine's lock file alike: a clean stop unlinks the lock too (design 0003).
no_segments_left() { ! ls /dev/shm/ose."$name".* >/dev/null 2>&1; }
no_processes_left() { ! pgrep -f -- "--engine $name" >/dev/null; }

for c in demo strategy report; do check "ose $c --help exits 0" "$ose" "$c" --help >/dev/null; done

# Bars of 5 updates (the built-in 20): the EMAs warm up in half a second and cross often, so the
# strategy trades within seconds even in a sanitized build.
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^bar_ticks = .*/bar_ticks = 5/" "$src/config/demo.toml" >"$work/demo.toml"
cd "$work" || exit 1

# 1. Six seconds on the synthetic market.
"$ose" demo --config "$work/demo.toml" --duration 6 >"$work/synthetic.txt" 2>"$work/synthetic.err"
check "the synthetic demo exits 0" test $? -eq 0
check "it reports the strategy's performance" contains "$work/synthetic.txt" "strategy ema1"
check "with a Sharpe ratio line" contains "$work/synthetic.txt" "Sharpe ratio"
check "and tells how to look further" contains "$work/synthetic.txt" "recover --check"
check "the strategy traded" contains "$work/data/logs/strategy.log" "enter: buy"
check "the venue filled" grep -q "stopped after [1-9][0-9]* fills" "$work/data/logs/venue.log"
check "the engine stopped with a checkpoint" contains "$work/data/logs/engine.log" "checkpoint hash"
check "nothing (segment or lock file) is left in /dev/shm" no_segments_left
check "no process is left behind" no_processes_left
hash=$(grep -o 'state hash [0-9a-f]*' "$work/synthetic.txt" | awk '{print $3}')
check "the report names the final state hash" test -n "$hash"
check "the engine's checkpoint is that hash" contains "$work/data/logs/engine.log" "checkpoint hash $hash"
"$ose" recover --check --config "$work/data/demo.toml" --expect "$hash" >"$work/recover.txt"
check "recovery from the journal reproduces it" test $? -eq 0
check "  (says so)" contains "$work/recover.txt" "matches --expect"
"$ose" journal verify --config "$work/data/demo.toml" >/dev/null
check "the journal verifies" test $? -eq 0
# The demo's venue sends string ids (DESIGN §4): every journaled fill holds a UUID trade id.
"$ose" journal dump --json --config "$work/data/demo.toml" | grep '"op": *"fill"' >"$work/fills.jsonl"
uuid='"trade_id": *"[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-8[0-9a-f]\{3\}-[0-9a-f]\{12\}"'
check "the journal holds the demo's fills" test -s "$work/fills.jsonl"
check "  each with a UUID trade id" test "$(grep -vc "$uuid" "$work/fills.jsonl")" -eq 0
# The report again from the journal: the same text as the demo printed.
"$ose" report --config "$work/data/demo.toml" >"$work/report.txt"
check "ose report exits 0" test $? -eq 0
sed -n '/^engine /,/^state hash /p' "$work/synthetic.txt" >"$work/demo-report.txt"
check "ose report prints what the demo printed" test -s "$work/report.txt"
check "  line for line" cmp -s "$work/report.txt" "$work/demo-report.txt"
"$ose" report --config "$work/data/demo.toml" --json >"$work/report.json"
check "ose report --json exits 0" test $? -eq 0
check "  with the performance figures" contains "$work/report.json" '"profit_factor"'
check "  and the equity curve" contains "$work/report.json" '"equity_curve"'
ticks=$(json_int "$work/report.json" ticks)
inputs=$(json_int "$work/report.json" inputs)
commands=$(json_int "$work/report.json" commands)
check "inputs = ticks + commands" test "$inputs" -eq $((ticks + commands))
check "about 200 ticks a second for 6 s" test "$ticks" -ge 600
check "the demo's own PNG exists" test -s "$work/data/report.png"
"$ose" report --config "$work/data/demo.toml" --png "$work/curve.png" >/dev/null
check "ose report --png draws a PNG" test "$(head -c 4 "$work/curve.png" | od -An -c | tr -d ' ')" = '211PNG'

# 2. A full day of real klines at 8000× (about 11 s: slow enough that the strategy, which makes
#    its bars from the updates it sees, sees them all on a loaded 2-core machine); the demo
#    ends with the replay.
if [ -r "$klines" ]; then
  "$ose" demo --config "$work/demo.toml" --replay "$klines" --speed 8000 -q >"$work/klines.txt" \
    2>"$work/klines.err"
  check "the kline demo exits 0 at the end of the file" test $? -eq 0
  check "the first run moved aside" test -s "$work/data.prev/data.mdb"
  # 1440 one-minute bars, four ticks each (open, low/high, high/low, close).
  check "every bar of the day reached the engine: 5760 ticks" \
    grep -q "inputs (5760 ticks," "$work/klines.txt"
  check "the engine logged the feed's end" contains "$work/data/logs/engine.log" "feed finished after 5760 ticks (0 bad rows)"
  khash=$(grep -o 'state hash [0-9a-f]*' "$work/klines.txt" | awk '{print $3}')
  "$ose" recover --check --config "$work/data/demo.toml" --expect "$khash" >/dev/null
  check "recovery reproduces the kline run's hash" test $? -eq 0
  check "the strategy traded real data" contains "$work/data/logs/strategy.log" "enter: buy"
else
  echo "FAIL - $klines is missing (../shared/data beside the repository)"; failures=$((failures + 1))
fi

# 3. Ctrl-C (SIGINT to the demo alone) stops everything cleanly and still reports.
"$ose" demo --config "$work/demo.toml" --duration 0 -q >"$work/ctrlc.txt" 2>&1 &
demo=$!
for _ in $(seq 100); do "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break; sleep 0.05; done
sleep 2
kill -INT "$demo"
wait "$demo"
check "after Ctrl-C the demo exits 0" test $? -eq 0
check "  with its report" contains "$work/ctrlc.txt" "state hash"
check "  and no segment left" no_segments_left
check "  and no process left" no_processes_left

# 4. Errors: clear, and nothing started.
"$ose" demo --config "$work/demo.toml" --replay "$work/nope.csv" >/dev/null 2>"$work/err1.txt"
check "a missing replay file exits 1" test $? -eq 1
check "  naming it" contains "$work/err1.txt" "cannot read '$work/nope.csv'"
cp "$klines" "$work/XYZUSDT-1m.csv" 2>/dev/null || : >"$work/XYZUSDT-1m.csv"
"$ose" demo --config "$work/demo.toml" --replay "$work/XYZUSDT-1m.csv" >/dev/null 2>"$work/err2.txt"
check "a file of an unconfigured symbol exits 1" test $? -eq 1
check "  saying so" contains "$work/err2.txt" "XYZUSDT"
check "  and leaves no process" no_processes_left
sed -e 's/^ema_fast = 9/ema_fast = 50/' "$work/demo.toml" >"$work/bad.toml"
"$ose" demo --config "$work/bad.toml" >/dev/null 2>"$work/err3.txt"
check "a bad [bot] table exits 1" test $? -eq 1
check "  naming the key" contains "$work/err3.txt" "ema_fast"
"$ose" report --config "$work/missing.toml" >/dev/null 2>"$work/err4.txt"
check "ose report without a config exits 1" test $? -eq 1

finish "$work"/data/logs/*.log "$work"/*.err "$work"/err*.txt
