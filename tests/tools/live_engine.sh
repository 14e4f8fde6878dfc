#!/usr/bin/env bash
# `ose engine`, `ose send` and `ose inspect` as a user runs them, against a real engine
# process. The central check: the live state, read through the read-only mapping, is the same
# canonical JSON (and state_hash) as `ose replay` of the inputs the engine applied.
# Usage: live_engine.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="tl$$"
to() { local out="$1"; shift; "$@" >"$out"; }  # to FILE COMMAND...: stdout into FILE

for sub in engine send inspect bench; do
  check "ose $sub --help exits 0" to /dev/null "$ose" "$sub" --help
done
"$ose" inspect --engine "$name" >"$work/none.out" 2>"$work/none.err"
check "inspect of a missing engine fails" test $? -eq 1
check "... saying it is not running" contains "$work/none.err" "is not running"
"$ose" send --engine "$name" --client ema1 '{"op":"cancel","cl_id":1}' 2>"$work/none.err"
check "send to a missing engine fails" test $? -ne 0

sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"
"$ose" engine --config "$work/config.toml" --input-log "$work/inputs.jsonl" --status-every 0.2 \
  2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
check "the engine comes up" to "$work/status.txt" "$ose" inspect --engine "$name" status
check "status names the engine" contains "$work/status.txt" "engine $name"

"$ose" engine --config "$work/config.toml" >/dev/null 2>"$work/second.err"
check "a second engine of the same name is refused" test $? -eq 1
check "... saying it is already running" contains "$work/second.err" "already running"

# One command as one client, answered on its response ring.
"$ose" send --engine "$name" --client ema1 \
  '{"op":"new_order","cl_id":900,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"50000"}' \
  >"$work/send.txt"
check "send prints the answer" contains "$work/send.txt" "accepted"
"$ose" send --engine "$name" --client ema1 \
  '{"op":"new_order","cl_id":901,"account":"futures","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"50000"}' \
  >"$work/send2.txt"
check "a client cannot act for an account it is not bound to" \
  contains "$work/send2.txt" "ACCOUNT_NOT_PERMITTED"
"$ose" send --engine "$name" --client ema1 '{"op":"nonsense"}' 2>"$work/bad.err"
check "a malformed line is refused before it is sent" test $? -eq 2

# The whole demo scenario through the admin client, line by line.
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >"$work/answers.txt"
check "the demo scenario goes through" test $? -eq 0
check "inspect prints tables" to "$work/tables.txt" "$ose" inspect --engine "$name"
check "... with orders" contains "$work/tables.txt" "Orders"
check "inspect orders --open --strategy" to /dev/null "$ose" inspect --engine "$name" orders --open --strategy ema1
"$ose" inspect --engine "$name" orders --symbol NOPE >/dev/null 2>"$work/nope.err"
check "an unknown filter value is an error" test $? -eq 2
check "inspect events prints the broadcast ring" to "$work/events.jsonl" "$ose" inspect --engine "$name" events
check "... including the accepted order" contains "$work/events.jsonl" '"type":"accepted"'
check "inspect --json" to "$work/live.json" "$ose" inspect --engine "$name" --json
check "inspect status --json" to "$work/status.json" "$ose" inspect --engine "$name" status --json
check "... shows ema1 attached or detached" contains "$work/status.json" '"name": "ema1"'

kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "SIGTERM stops the engine with exit 0" test "$code" -eq 0
check "... and removes its segments" test ! -e "/dev/shm/ose.$name.state"
shm_left() { ls /dev/shm/ose."$name".* 2>/dev/null; }
check "... and leaves nothing in /dev/shm, its lock file included" test -z "$(shm_left)"
check "the engine logged its clients" contains "$work/engine.log" "attached"

check "replay of the applied inputs" \
  "$ose" replay "$work/config.toml" "$work/inputs.jsonl" --strict -q --state-out "$work/replayed.json"
check "live state == replayed state (canonical JSON and state_hash)" \
  cmp "$work/live.json" "$work/replayed.json"

finish "$work/engine.log"
