#!/usr/bin/env bash
# The input edges of the command line (issue 21, items 7 and 9): `ose send` reports every bad
# line with its number and goes on (or stops with --stop-on-error), never aborting while
# attached as a strategy client (an abort leaves the claim behind, the engine takes the client
# for dead and cancels its orders); a config that is a directory, empty, /dev/null or /dev/zero
# is refused naming the file, at once.
# Usage: input_edges.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="ie$$"
lacks() { ! grep -qF -- "$2" "$1"; }
quiet() { "$@" >/dev/null; }

# ---- configs that are not configs (item 9) --------------------------------------------------
mkdir "$work/adir"
: >"$work/empty.toml"
for cfg in "$work/adir" "$work/empty.toml" /dev/null /dev/zero; do
  timeout 20 "$ose" engine --config "$cfg" -q >/dev/null 2>"$work/cfg.err"
  code=$?
  check "ose engine --config $cfg exits 1 (not 124: no hang, not a signal)" test "$code" -eq 1
  check "... naming the file" contains "$work/cfg.err" "$cfg:"
  timeout 20 "$ose" replay "$cfg" "$src/config/scenarios/lifecycle.jsonl" -q >/dev/null \
    2>"$work/replay.err"
  code=$?
  check "ose replay $cfg ... exits non-zero, not by a signal" test "$code" -ne 0 -a "$code" -lt 124
  check "... naming the file" contains "$work/replay.err" "$cfg:"
done
timeout 20 "$ose" engine --config "$work/empty.toml" -q >/dev/null 2>"$work/empty.err"
check "an empty config says what a config needs" contains "$work/empty.err" "no [engine] table"
timeout 20 "$ose" engine --config "$work/adir" -q >/dev/null 2>"$work/dir.err"
check "a directory is refused as one" contains "$work/dir.err" "Is a directory"
timeout 20 "$ose" engine --config /dev/zero -q >/dev/null 2>"$work/zero.err"
check "/dev/zero is refused as too large, not read forever" contains "$work/zero.err" "larger than"
check "no engine segment was created by any of them" test -z "$(ls /dev/shm/ose.ose.* 2>/dev/null)"

# ---- a default timestamp past the end of time (item 8) ----------------------------------------
printf '%s\n' '{"op":"timer","ts":9223372036854775807}' '{"op":"timer"}' >"$work/ts.jsonl"
"$ose" replay "$src/config/example.toml" "$work/ts.jsonl" --strict >"$work/ts.out" 2>"$work/ts.err"
check "a line without ts after ts = INT64_MAX fails --strict (exit 3)" test $? -eq 3
check "... naming line 2" contains "$work/ts.err" "ts.jsonl:2: rejected line: no \"ts\""
check "... and applying only line 1" contains "$work/ts.out" "replayed 1 inputs"

# ---- `ose send` against a live engine (item 7) ----------------------------------------------
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"
"$ose" engine --config "$work/config.toml" 2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
check "the engine comes up" quiet "$ose" inspect --engine "$name" status

order() {  # order CL_ID: a resting buy of ema1
  printf '{"op":"new_order","cl_id":%s,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"20000"}' "$1"
}
"$ose" send --engine "$name" --client ema1 "$(order 900)" >"$work/new.txt"
check "a resting order of the strategy client ema1" contains "$work/new.txt" "accepted"

i=0
for line in '{"op":5}' '{"op":null}' '{"op":{}}' '{"op":[]}' '{"op":true}' '[1,2]' '"op"' \
  '{"op":"cancel","cl_id":{}}' '{"op":"new_order","cl_id":1,"qty":5}'; do
  i=$((i + 1))
  "$ose" send --engine "$name" --client ema1 "$line" >/dev/null 2>"$work/bad$i.err"
  code=$?
  check "send $line as ema1 exits 2 (a bad line), not by a signal" test "$code" -eq 2
  check "... with a message naming line 1" contains "$work/bad$i.err" "ose send: line 1: "
done
check "the engine took none of it for a dead client" lacks "$work/engine.log" "disconnected"
"$ose" send --engine "$name" --client ema1 '{"op":"cancel","cl_id":900}' >"$work/cancel.txt"
check "... so ema1's order is still there to cancel" contains "$work/cancel.txt" "cancel_requested order"

# A stream with bad lines among good ones: each bad line is reported with its number, the good
# ones after it still go, and the exit code says some were bad.
{
  order 901 | sed 's/^{/{"source":"ema1",/'; echo
  echo '{"op":5}'
  echo '{"source":"nosuch","op":"cancel","cl_id":901}'
  echo 'not json'
  echo '{"source":7,"op":"cancel","cl_id":901}'
  echo '{"source":"ema1","op":"cancel","cl_id":901}'
} >"$work/stream.jsonl"
"$ose" send --engine "$name" --client ops - <"$work/stream.jsonl" >"$work/stream.out" \
  2>"$work/stream.err"
code=$?
check "a stream with bad lines exits 2" test "$code" -eq 2
check "... reporting the non-string op at line 2" contains "$work/stream.err" "line 2: field \"op\" must be a string"
check "... the unknown source at line 3" contains "$work/stream.err" "line 3: source 'nosuch'"
check "... the text that is not JSON at line 4" contains "$work/stream.err" "line 4: not valid JSON"
check "... the non-string source at line 5" contains "$work/stream.err" "line 5: field \"source\" must be a string"
check "... and sending the lines after them" contains "$work/stream.out" "cancel_requested order"
check "... and counting the bad ones" contains "$work/stream.err" "4 bad line(s)"

sed -e 's/"cl_id":901/"cl_id":902/g' "$work/stream.jsonl" >"$work/stream2.jsonl"
"$ose" send --engine "$name" --client ops --stop-on-error - <"$work/stream2.jsonl" \
  >"$work/stop.out" 2>"$work/stop.err"
code=$?
check "--stop-on-error exits 2" test "$code" -eq 2
check "... at the first bad line" contains "$work/stop.err" "stopped at line 2"
check "... sending nothing after it" lacks "$work/stop.out" "cancel_requested"
"$ose" send --engine "$name" --client ema1 '{"op":"cancel","cl_id":902}' >"$work/cancel2.txt"
check "... (the order of line 1 is still open)" contains "$work/cancel2.txt" "cancel_requested order"

kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "SIGTERM stops the engine with exit 0" test "$code" -eq 0
check "... leaving nothing in /dev/shm" test -z "$(ls /dev/shm/ose."$name".* 2>/dev/null)"

finish "$work/engine.log" "$work"/*.err
