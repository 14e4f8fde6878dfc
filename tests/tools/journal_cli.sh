#!/usr/bin/env bash
# The journal as a user meets it: `ose engine` journals to data_dir; after kill -9 a restart
# recovers everything that was durable; `ose journal`, `ose snapshot`, `ose recover --check` and
# `ose backup` work beside the running engine and after it. The hashes compared come from the
# live engine (`ose inspect --json`) and from `ose replay` of the journal's own dump.
# Usage: journal_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="jc$$"
to() { local out="$1"; shift; "$@" >"$out"; }
json_field() { grep -o "\"$2\": *\"\?[0-9a-f]*" "$1" | head -1 | sed 's/.*: *"\{0,1\}//'; }
wait_durable() {  # until the durable seq has caught up with the applied seq
  for _ in $(seq 200); do
    "$ose" inspect --engine "$name" status --json >"$work/st.json"
    [ "$(json_field "$work/st.json" applied_seq)" = "$(json_field "$work/st.json" durable_seq)" ] &&
      return 0
    sleep 0.05
  done
  return 1
}

for sub in "journal stats" "journal dump" "journal verify" "journal truncate" "snapshot list" \
  "snapshot take" recover backup; do
  check "ose $sub --help exits 0" to /dev/null "$ose" $sub --help
done

sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/config.toml"
"$ose" journal stats --config "$work/config.toml" >/dev/null 2>"$work/nojournal.err"
check "journal stats without a journal fails" test $? -eq 1
check "... saying there is none" contains "$work/nojournal.err" "no journal in"

check "the engine starts on an empty data_dir" start_engine
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null
check "the demo scenario goes through" test $? -eq 0
check "the journal catches up" wait_durable
check "snapshot take asks the running engine" to "$work/take.txt" \
  "$ose" snapshot take --config "$work/config.toml"
check "... which snapshots" contains "$work/take.txt" "took a snapshot at seq"
"$ose" send --engine "$name" --client ema1 \
  '{"op":"new_order","cl_id":77,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"50000"}' \
  >/dev/null
check "the journal catches up again" wait_durable
check "inspect --json of the live engine" to "$work/live.json" "$ose" inspect --engine "$name" --json
live_hash="$(json_field "$work/live.json" state_hash)"
check "backup while the engine runs" to "$work/backup.txt" \
  "$ose" backup "$work/backup" --config "$work/config.toml"
check "recover --check beside the running engine gives its hash" to /dev/null \
  "$ose" recover --config "$work/config.toml" --check --expect "$live_hash"

kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=""
check "journal verify after kill -9" to "$work/verify.txt" "$ose" journal verify --config "$work/config.toml"
check "... finds nothing wrong" contains "$work/verify.txt" "every checksum verifies"
check "journal stats --json" to "$work/stats.json" "$ose" journal stats --config "$work/config.toml" --json
check "... has a snapshot" contains "$work/stats.json" '"ok": true'
check "snapshot list" to "$work/snaps.txt" "$ose" snapshot list --config "$work/config.toml"
check "recover --check --expect the live hash" to "$work/recover.txt" \
  "$ose" recover --config "$work/config.toml" --check --expect "$live_hash"
check "... from the snapshot plus the tail" contains "$work/recover.txt" "from the snapshot at seq"
check "recover --no-snapshots gives the same hash" to /dev/null \
  "$ose" recover --config "$work/config.toml" --check --no-snapshots --expect "$live_hash"
"$ose" recover --config "$work/config.toml" --check --expect 0123456789abcdef >/dev/null
check "a wrong --expect exits 4" test $? -eq 4
check "the backup recovers to the same hash" to /dev/null \
  "$ose" recover --config "$work/config.toml" --data-dir "$work/backup" --check --expect "$live_hash"

# The dump is a scenario: replayed on a fresh state, it gives the same canonical state.
check "journal dump --json" to "$work/dump.jsonl" "$ose" journal dump --config "$work/config.toml" --json
check "replay of the dump" "$ose" replay "$work/config.toml" "$work/dump.jsonl" --strict -q \
  --state-out "$work/replayed.json"
check "replayed state == live state" cmp "$work/live.json" "$work/replayed.json"

check "the engine restarts after kill -9" start_engine
check "inspect --json after the restart" to "$work/restarted.json" "$ose" inspect --engine "$name" --json
check "the restarted engine serves the state it had" cmp "$work/live.json" "$work/restarted.json"
check "the restart logged its recovery" contains "$work/engine.log" "recovered seq"
kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "SIGTERM stops it with exit 0" test "$code" -eq 0
check "journal stats shows a clean stop" to "$work/stats2.txt" "$ose" journal stats --config "$work/config.toml"
check "... at the last seq" contains "$work/stats2.txt" "clean stop at seq"

"$ose" journal truncate --config "$work/config.toml" --from 3 >/dev/null 2>"$work/trunc.err"
check "truncate without --yes refuses" test $? -eq 1
"$ose" engine --config "$work/config.toml" -q 2>/dev/null &
pid=$!
sleep 0.3
# Another config (one more strategy) cannot replay this journal: the engine says so and exits.
sed 's/^max_open_orders = 50/max_open_orders = 51/' "$work/config.toml" >"$work/other.toml"
sed -i "s/^name = \"$name\"/name = \"${name}b\"/" "$work/other.toml"
"$ose" engine --config "$work/other.toml" -q 2>"$work/other.err"
check "a journal from another config is refused" test $? -eq 1
check "... naming the reason" contains "$work/other.err" "written under another config"
kill -TERM "$pid"
wait "$pid"
pid=""

finish "$work/engine.log"
