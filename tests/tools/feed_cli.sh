#!/usr/bin/env bash
# `ose engine --replay` and `--synthetic`: market data from a feed thread inside the engine.
# A real kline file replayed at full speed leaves the market on its last close (read from the
# file itself) after 4 ticks per bar; a synthetic market with the simulated venue fills a market
# order at the ask the engine shows.
# Usage: feed_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
data="$src/../shared/data/binance"
name="fc$$"
wait_up() {
  for _ in $(seq 200); do "$ose" inspect --engine "$name" status >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"

klines="$data/klines/BTCUSDT-1m-2024-09-21.csv"
bars=$(wc -l <"$klines")
last_close=$(tail -1 "$klines" | cut -d, -f5 | sed -e 's/0*$//' -e 's/\.$//')
"$ose" engine --config "$work/config.toml" -q --replay "$klines" --speed 0 2>"$work/replay.log" &
pids+=($!)
check "the engine starts with a replay feed" wait_up
for _ in $(seq 200); do contains "$work/replay.log" "feed finished" && break; sleep 0.05; done
check "the feed reports its end and its bad rows" contains "$work/replay.log" "feed finished after $((bars * 4)) ticks (0 bad rows)"
"$ose" inspect --engine "$name" --json >"$work/replay.json"
check "the market ends on the file's last close ($last_close)" contains "$work/replay.json" "\"last\": \"$last_close\""
kill -TERM "${pids[0]}"; wait "${pids[0]}"; code=$?; pids=()
check "SIGTERM stops the replaying engine with exit 0" test "$code" -eq 0
"$ose" engine --config "$work/config.toml" -q --replay "$work/missing.csv@BTCUSDT" 2>"$work/missing.err"
check "a missing file is an error" test $? -eq 1
check "... naming it" contains "$work/missing.err" "missing.csv"
"$ose" engine --config "$work/config.toml" -q --synthetic NOPE=1 2>"$work/nope.err"
check "an unknown synthetic symbol is an error" contains "$work/nope.err" "unknown symbol 'NOPE'"

rm -rf "$work/data"
"$ose" engine --config "$work/config.toml" -q --synthetic BTCUSDT=30000 --rate 2000 2>"$work/synth.log" &
pids+=($!)
check "the engine starts with a synthetic feed" wait_up
"$ose" venue --engine "$name" --client sim -q &
pids+=($!)
sleep 0.5
echo '{"op":"new_order","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"market","tif":"ioc","qty":"0.01"}' |
  "$ose" send --engine "$name" --client ema1 - >/dev/null
for _ in $(seq 100); do
  "$ose" inspect --engine "$name" orders --json >"$work/orders.json"
  contains "$work/orders.json" '"status": "filled"' && break
  sleep 0.05
done
check "a market order fills against the synthetic market" contains "$work/orders.json" '"status": "filled"'
"$ose" inspect --engine "$name" market --json >"$work/market.json"
check "the synthetic market quotes BTCUSDT" contains "$work/market.json" '"symbol": "BTCUSDT"'
kill -TERM "${pids[1]}"; wait "${pids[1]}"
kill -TERM "${pids[0]}"; wait "${pids[0]}"; code=$?; pids=()
check "SIGTERM stops the synthetic engine with exit 0" test "$code" -eq 0

finish "$work/replay.log" "$work/synth.log"
