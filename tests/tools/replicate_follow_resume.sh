#!/usr/bin/env bash
# A follower restarted on its own data_dir resumes from its local journal (docs/SCALE_OUT.md,
# "Followers"), not from the stream's newest snapshot: after a clean stop and after kill -9 in the
# middle of client traffic, each time with newer snapshots in the stream than the follower's seq,
# it recovers its journal, reads the stream on from where that journal ends, and reaches the
# engine's own seq and state hash (`ose inspect --json` of both). --reset still rebuilds from the
# stream. Expected seqs and hashes come from the engine, never from the follower.
# Usage: replicate_follow_resume.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rz$$"
fol="${name}f"
on_cleanup() { kill_all; rm -f /dev/shm/ose."$fol".*; }

state_hash() { "$ose" inspect --engine "$1" --json | grep -o '"state_hash": *"[0-9a-f]*"' | grep -o '[0-9a-f]\{16\}'; }
engine_seq() { applied_seq "$name"; }
follow() {  # follow [ARGS...]: in the background, its pid in `follower`
  "$ose" follow --nats "$nats_url" --engine "$name" --as "$fol" --data-dir "$work/fol" "$@" \
    2>>"$work/follow.log" &
  follower=$!
  pids+=("$follower")
}
caught_up() {  # the follower at the engine's seq, with its hash
  local seq
  seq="$(engine_seq)"
  wait_acked "$name" "$seq" && wait_applied "$fol" "$seq" &&
    test "$(state_hash "$fol")" = "$(state_hash "$name")"
}

check "nats-server starts on loopback" start_nats
write_config "$work/data" 150
check "the engine starts" start_engine
"$ose" replicate --config "$work/config.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
pids+=($!)
send_random 1 200
follow
check "a follower catches up with the engine" caught_up
# A quiet stream is not a hung follower: its heartbeat keeps moving, so the heartbeat alert of
# docs/OPERATIONS.md (age > 1 s) stays quiet on a follower host.
sleep 1.5
age="$("$ose" inspect --engine "$fol" status --json | grep -o '"heartbeat_age_ms": *[0-9]*' | grep -o '[0-9]*$')"
check "idle for 1.5 s, its heartbeat is fresh (${age:-none} ms old, < 1000)" test "${age:-99999}" -lt 1000
kill -TERM "$follower"; wait "$follower"
check "... and stops cleanly" test $? -eq 0
s1="$(engine_seq)"

send_random 2 400  # newer snapshots in the stream than the follower's seq
follow
check "restarted after a clean stop, it catches up again" caught_up
check "... resuming from its own journal at seq $s1" contains "$work/follow.log" "its own journal at seq $s1"

send_random 3 400 &
traffic=$!
sleep 0.3
kill -KILL "$follower"; wait "$follower" 2>/dev/null
wait "$traffic"
follow
check "restarted after kill -9 mid-traffic, it catches up again" caught_up
check "... from its own journal again" test "$(grep -c "its own journal at seq" "$work/follow.log")" -eq 2
kill -TERM "$follower"; wait "$follower"

follow --reset
check "--reset rebuilds from the stream's newest snapshot" caught_up
check "... saying so" contains "$work/follow.log" "from the snapshot at seq"
finish "$work/follow.log" "$work/rep.log" "$work/engine.log"
