#!/usr/bin/env bash
# `ose venue` as a separate process against a real engine: a marketable limit fills at the ask
# as taker, a resting limit fills at its own price as maker when the ask comes down to it, and
# the balances are what the fees say (worked by hand below).
# Usage: venue_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="vc$$"
send() { echo "$2" | "$ose" send --engine "$name" --client "$1" - >>"$work/answers.txt"; }

check "ose venue --help exits 0" "$ose" venue --help >/dev/null
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"
"$ose" engine --config "$work/config.toml" -q 2>"$work/engine.log" &
pids+=($!)
for _ in $(seq 200); do "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break; sleep 0.05; done
"$ose" venue --engine "$name" --client sim 2>"$work/venue.log" &
pids+=($!)
# The venue sees what the engine broadcasts from when it attaches: wait for that, not a fixed
# time (0.3 s was not always enough on a loaded host).
sim_attached() {
  "$ose" inspect --engine "$name" status --json 2>/dev/null | python3 -c '
import json, sys
print(any(c["name"] == "sim" and c["link"] == "attached" for c in json.load(sys.stdin)["clients"]))'
}
for _ in $(seq 200); do [ "$(sim_attached)" = True ] && break; sleep 0.05; done

send ops '{"op":"tick","symbol":"BTCUSDT","bid":"29990","ask":"30010","bid_qty":"1","ask_qty":"1","last":"30000"}'
send ema1 '{"op":"new_order","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"30020"}'
send ema1 '{"op":"new_order","cl_id":2,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"29000"}'
sleep 0.3
send ops '{"op":"tick","symbol":"BTCUSDT","bid":"28990","ask":"29000","last":"29000"}'
for _ in $(seq 100); do
  "$ose" inspect --engine "$name" orders --json >"$work/orders.json"
  [ "$(grep -o '"status": *"filled"' "$work/orders.json" | wc -l)" -eq 2 ] && break
  sleep 0.05
done
"$ose" inspect --engine "$name" --json >"$work/state.json"
check "both orders filled" test "$(grep -o '"status": *"filled"' "$work/orders.json" | wc -l)" -eq 2
check "the marketable one at the ask (30010)" contains "$work/orders.json" '"avg_fill_price": "30010"'
check "the resting one at its own price (29000)" contains "$work/orders.json" '"avg_fill_price": "29000"'
# USDT: 100000 − 0.01×30010 − 0.001×300.10 (taker) − 0.01×29000 − 0.001×290 (maker)
#     = 100000 − 300.10 − 0.3001 − 290 − 0.29 = 99409.3099
check "USDT balance after both fills and fees" contains "$work/state.json" '"free": "99409.3099"'
check "BTC balance: 1 + 0.02" contains "$work/state.json" '"free": "1.02"'
# The venue's ids are strings, as a real exchange's (DESIGN §4): a UUID per trade (its session
# in the first three groups, the trade counter in the last two) and a Kraken-style order id;
# the events and the orders show them as sent.
"$ose" inspect --engine "$name" events --json >"$work/events.jsonl"
uuid='[0-9a-f]\{8\}-[0-9a-f]\{4\}-4[0-9a-f]\{3\}-8[0-9a-f]\{3\}-[0-9a-f]\{12\}'
grep '"type": *"fill"' "$work/events.jsonl" | grep -o "\"trade_id\": *\"$uuid\"" |
  grep -o "$uuid" >"$work/trade_ids.txt"
check "both fill events carry a UUID trade id" test "$(sort -u "$work/trade_ids.txt" | wc -l)" -eq 2
check "... of one session, trades 1 and 2" test \
  "$(cut -c1-23 "$work/trade_ids.txt" | sort -u | wc -l)-$(cut -c25- "$work/trade_ids.txt" | sort | tr '\n' ' ')" \
  = "1-000000000001 000000000002 "
kraken='O[A-Z2-7]\{5\}-[A-Z2-7]\{5\}-[A-Z2-7]\{6\}'
check "both orders keep a Kraken-style venue order id" \
  test "$(grep -o "\"venue_order_id\": *\"$kraken\"" "$work/orders.json" | wc -l)" -eq 2

kill -TERM "${pids[1]}"; wait "${pids[1]}"   # the venue first, then the engine
kill -TERM "${pids[0]}"; wait "${pids[0]}"
pids=()
check "the venue logged its fills" contains "$work/venue.log" "stopped after 2 fills"
finish "$work/engine.log" "$work/venue.log"
