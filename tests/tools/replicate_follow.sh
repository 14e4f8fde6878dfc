#!/usr/bin/env bash
# `ose follow` against a real nats-server on loopback (docs/SCALE_OUT.md): followers rebuild an
# engine's state from its stream — one from the config's initial state, one started later from
# the newest snapshot in the stream — and end on the engine's own state hash (`ose inspect
# --json` of both, which reads each state segment), having verified their hash at every snapshot
# point the stream holds. A follower fed a corrupt record stops, naming its seq.
# Usage: replicate_follow.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rf$$"
f1="${name}f1"
f2="${name}f2"
on_cleanup() { kill_all; rm -f /dev/shm/ose."$f1".* /dev/shm/ose."$f2".*; }

state_hash() { "$ose" inspect --engine "$1" --json | grep -o '"state_hash": *"[0-9a-f]*"' | grep -o '[0-9a-f]\{16\}'; }
follow() {  # follow LOCAL: in the background, its pid appended to pids
  "$ose" follow --nats "$nats_url" --engine "$name" --as "$1" --data-dir "$work/$1" \
    2>>"$work/$1.log" &
  pids+=($!)
}

check "nats-server starts on loopback" start_nats
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 150/" "$src/config/example.toml" >"$work/config.toml"
check "the engine starts" start_engine
"$ose" replicate --config "$work/config.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
send_random 1 40
check "the first records reach the stream" wait_acked "$name" 40
follow "$f1"
f1_pid="${pids[-1]}"
send_random 2 500
send_random 3 300
seq="$(applied_seq "$name")"
check "the replicator catches up (seq $seq)" wait_acked "$name" "$seq"
check "the follower from the initial state applies every seq ($seq)" wait_applied "$f1" "$seq"
engine_hash="$(state_hash "$name")"
check "... and has the engine's state hash ($engine_hash)" test "$(state_hash "$f1")" = "$engine_hash"
"$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$work/check.json"
snaps="$(json_num "$work/check.json" snapshots)"
check "the stream holds snapshots ($snaps)" test "$snaps" -ge 3
check "... and the follower verified its hash at every one of them" \
  test "$(grep -c "verified at snapshot seq" "$work/$f1.log")" -eq "$snaps"

follow "$f2"
check "a follower started later begins at the stream's newest snapshot" \
  wait_applied "$f2" "$seq"
check "... and has the engine's state hash too" test "$(state_hash "$f2")" = "$engine_hash"
check "... having started from a snapshot" contains "$work/$f2.log" "from the snapshot at seq"
send_random 4 100
seq="$(applied_seq "$name")"
check "both followers keep up with new traffic (seq $seq)" wait_applied "$f1" "$seq"
check "... the second too" wait_applied "$f2" "$seq"
engine_hash="$(state_hash "$name")"
check "... on the engine's hash" test "$(state_hash "$f1"):$(state_hash "$f2")" = "$engine_hash:$engine_hash"
"$ose" inspect --engine "$f1" status >"$work/f1status.txt"
check "inspect status works on a follower" contains "$work/f1status.txt" "applied seq $seq"
check "... and shows the follower's last verified snapshot" contains "$work/f1status.txt" "follower of OSE_$name  applied seq $seq  last verified snapshot seq"

# A corrupt record: the followers stop and name its seq.
kill -TERM "$rep"; wait "$rep"
next=$((seq + 1))
nats_pub "ose.$name.journal" "Ose-First-Seq: $next;Ose-Last-Seq: $next" \
  "this is not a journal record, but it is long enough to have a header"
wait "$f1_pid"
check "a follower fed a corrupt record stops (exit 3)" test $? -eq 3
check "... naming seq $next" contains "$work/$f1.log" "journal seq $next in the stream is corrupt"
check "... after everything before it ($seq)" contains "$work/$f1.log" "STOPPED"
finish "$work/$f1.log" "$work/$f2.log" "$work/rep.log" "$work/engine.log"
