#!/usr/bin/env bash
# `ose export --follow` beside a live engine driven by clients (config/example.toml: spot and
# futures accounts, the demo scenario through `ose send`): once the clients stop, the database
# reaches the engine's final state within 1 s, and every orders, positions, balances and stats
# row then equals the live canonical state JSON (`ose inspect --json`, export_check.py). SIGTERM
# ends the follow with exit 0 and a lag report.
# Usage: export_follow.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="tf$$"
checker="$src/tests/tools/export_check.py"
command -v sqlite3 >/dev/null || { echo "sqlite3 (Debian: sqlite3) is needed to read the database"; exit 1; }
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"
"$ose" engine --config "$work/config.toml" 2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
check "the engine comes up" "$ose" inspect --engine "$name" status >/dev/null

"$ose" export --config "$work/config.toml" --to "sqlite:$work/live.db" --follow --json \
  >"$work/follow.json" 2>"$work/follow.err" &
follower=$!
pids+=("$follower")
# The clients: the demo scenario line by line, then a second pass of new orders from ema1.
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >"$work/answers.txt"
check "the demo scenario goes through" test $? -eq 0
for i in $(seq 1 40); do
  echo "{\"op\":\"new_order\",\"cl_id\":$((5000 + i)),\"account\":\"main\",\"strategy\":\"ema1\",\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"type\":\"limit\",\"tif\":\"gtc\",\"qty\":\"0.001\",\"price\":\"$((40000 + i))\"}"
done | "$ose" send --engine "$name" --client ema1 - >/dev/null
stopped="$(date +%s%N)"
"$ose" inspect --engine "$name" --json >"$work/live.json"
want="$(jq -r .seq "$work/live.json")"
reached=""
for _ in $(seq 300); do
  got="$(sqlite3 "$work/live.db" "SELECT last_seq FROM ose_export_state WHERE engine='$name'" 2>/dev/null)"
  if [ "$got" = "$want" ]; then reached="$(date +%s%N)"; break; fi
  sleep 0.01
done
check "the database reaches the engine's seq ($want)" test -n "$reached"
ms=$(( (${reached:-0} - stopped) / 1000000 ))
echo "# reached seq $want ${ms} ms after the clients stopped"
check "  within 1 s of the clients stopping" test -n "$reached" -a "$ms" -lt 1000
python3 "$checker" "$work/live.db" "$name" "$work/live.json" >"$work/check.txt"
check "every orders/positions/balances/stats row equals the live state JSON" test $? -eq 0

kill -TERM "$follower"
wait "$follower"
check "SIGTERM ends --follow with exit 0" test $? -eq 0
pids=()
check "  and it reports its lag" jq -e '.lag_ms.max >= 0 and .last_seq >= '"$want" "$work/follow.json" >/dev/null
kill -TERM "$pid"
wait "$pid"
pid=""
finish "$work/check.txt" "$work/follow.err" "$work/engine.log"
