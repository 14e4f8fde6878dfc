#!/usr/bin/env bash
# Journal retention held back by the stream ([engine].keep_unreplicated, docs/SCALE_OUT.md
# "Journal retention"): with a snapshot every 100 inputs and one snapshot kept, the engine would
# prune all but the last ~100 records; with keep_unreplicated it prunes only what `ose replicate`
# has had acknowledged (the replicated_seq file it keeps in the journal's directory). No
# replicator yet: nothing is pruned. A replicator that caught up lets retention prune. A
# replicator killed -9 and the engine trading on: every record after its last acknowledged seq
# stays, so the restarted replicator publishes them all (no snapshot bridging) and the stream
# holds every seq once, in order. Expected seqs come from the engine (`ose inspect`) and the
# journal (`ose journal stats`), never from the replicator's own figures.
# Usage: replicate_retention.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rr$$"

journal_first() {  # the journal's first record's seq
  "$ose" journal stats --config "$work/config.toml" --json >"$work/js.json" 2>>"$work/js.err" &&
    json_num "$work/js.json" first_seq
}
newest_snapshot() {  # of the last journal_first's stats
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["snapshots"][-1]["seq"])' "$work/js.json"
}
replicate=("$ose" replicate --config "$work/config.toml" --nats "$nats_url")

check "nats-server starts on loopback" start_nats
write_config "$work/data" 100 'snapshots_keep = 1\nkeep_unreplicated = true'
check "the engine starts" start_engine
send_random 1 450
d1="$(durable_seq)"
first="$(journal_first)"
check "no replicator yet: nothing pruned though snapshots were taken (journal from seq $first, newest snapshot $(newest_snapshot))" \
  test "$first" = 1 -a "$(newest_snapshot)" -gt 100

"${replicate[@]}" 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
check "the replicator catches up (seq $d1)" wait_acked "$name" "$d1"
check "... and records what the stream acknowledged beside the journal" \
  test "$(cat "$work/data/replicated_seq" 2>/dev/null)" = "$d1"
send_random 2 250
d2="$(durable_seq)"
check "the replicator keeps up (seq $d2)" wait_acked "$name" "$d2"
send_random 3 150  # a snapshot after the acknowledgement lets retention prune
durable_seq >/dev/null
first="$(journal_first)"
check "acknowledged records are pruned again (journal from seq $first)" test "$first" -gt 1

kill -KILL "$rep"; wait "$rep" 2>/dev/null
acked="$(cat "$work/data/replicated_seq")"
send_random 4 600
d3="$(durable_seq)"
first="$(journal_first)"
snap="$(newest_snapshot)"
check "replicator down: the records after its last acknowledged seq $acked stay (journal from $first, newest snapshot $snap)" \
  test "$first" -le $((acked + 1)) -a "$snap" -gt $((acked + 100))
"${replicate[@]}" 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
check "the restarted replicator catches up (seq $d3)" wait_acked "$name" "$d3"
check "... from the journal, with no snapshot standing in for pruned records" \
  sh -c "! grep -q bridging '$work/rep.log'"
kill -TERM "$rep"; wait "$rep"
"$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$work/check.json" 2>"$work/check.err"
check "the stream checks" test $? -eq 0
check "... every seq 1..$d3 once and in order" \
  test "$(json_num "$work/check.json" first_seq):$(json_num "$work/check.json" last_seq):$(json_num "$work/check.json" records)" = "1:$d3:$d3"
finish "$work/rep.log" "$work/engine.log" "$work/check.err" "$work/js.err"
