#!/usr/bin/env bash
# `ose replicate` against a real nats-server on loopback (docs/SCALE_OUT.md): the journal of a
# live engine under random client traffic reaches the stream with every journal seq exactly once
# and in order (`ose follow --check` walks the stream and checks the chain, each record's
# checksum and seq, each snapshot's chunks and hash) — across kill -9 of the replicator at random
# moments, and across a restart of the NATS server while the engine keeps applying. A second
# replicator is refused; a --takeover after the writer died continues the stream. The expected
# seqs come from the engine itself (`ose inspect status`), never from the replicator.
# Usage: replicate_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rp$$"
cycles="${OSE_REPLICATE_KILL_CYCLES:-20}"

# An array, not a function: a function run with & would be a subshell, and its pid ($!) not the
# replicator's, so signals would miss it.
replicate=("$ose" replicate --config "$work/config.toml" --nats "$nats_url")
stream_check() {  # stream_check OUT: the whole stream checked, totals as JSON
  "$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$1" 2>"$work/check.err"
}

# --help names the defaults docs/SCALE_OUT.md gives: 512 records a message, 256 in flight, 2 s.
"$ose" replicate --help >"$work/help.txt"
check "ose replicate --help exits 0" test $? -eq 0
check "... showing the --batch default (512)" grep -q -- '--batch .*=512' "$work/help.txt"
check "... the --max-in-flight default (256)" grep -q -- '--max-in-flight .*=256' "$work/help.txt"
check "... and the --ack-wait-ms default (2000)" grep -q -- '--ack-wait-ms .*=2000' "$work/help.txt"

check "nats-server starts on loopback" start_nats
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 400/" "$src/config/example.toml" >"$work/config.toml"
check "the engine starts" start_engine
send_random 1 300
check "the first traffic is journaled" durable_seq

# --- a plain run: everything reaches the stream once, with the snapshots ---------------------
"${replicate[@]}" 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
want="$(durable_seq)"
check "the replicator catches up with the journal (seq $want)" wait_acked "$name" "$want"
check "... and its status file says so" contains "/dev/shm/ose.$name.replication" "\"lag\": 0"
"$ose" inspect --engine "$name" status >"$work/status.txt"
check "inspect status shows the replication lag" contains "$work/status.txt" "replication to OSE_$name connected  journal seq $want  acknowledged $want  lag 0 records"
"${replicate[@]}" 2>"$work/second.err"
check "a second replicator is refused (exit 4)" test $? -eq 4
check "... saying another one writes the stream" contains "$work/second.err" "another replicator already writes"
# Checked at once: the running replicator rewrites its status file only every 100 ms.
check "... and leaves the running one's status file in place" test -e "/dev/shm/ose.$name.replication"
send_random 2 200
want="$(durable_seq)"
check "the first replicator still publishes (seq $want)" wait_acked "$name" "$want"
kill -TERM "$rep"; wait "$rep"
check "SIGTERM stops it cleanly (exit 0)" test $? -eq 0
check "... and removes its status file" test ! -e "/dev/shm/ose.$name.replication"
check "the stream checks" stream_check "$work/c1.json"
check "... every seq 1..$want once and in order" \
  test "$(json_num "$work/c1.json" first_seq):$(json_num "$work/c1.json" last_seq):$(json_num "$work/c1.json" records)" = "1:$want:$want"
check "... with the engine's snapshots" test "$(json_num "$work/c1.json" snapshots)" -ge 1

# --- kill -9 at random moments while clients trade --------------------------------------------
# Stopped through a file, never by kill: a killed loop would leave its running `ose send`
# journaling after the test has read the seq it expects.
( for i in $(seq 100); do
    [ -e "$work/stop_traffic" ] && break
    send_random $((10 + i)) 40
    sleep 0.05
  done ) &
traffic=$!
pids+=("$traffic")
for c in $(seq "$cycles"); do
  "${replicate[@]}" -q --batch $((1 + RANDOM % 64)) 2>>"$work/rep.log" &
  rep=$!
  sleep "0.$((RANDOM % 20 + 5))"
  kill -KILL "$rep"; wait "$rep" 2>/dev/null
done
touch "$work/stop_traffic"; wait "$traffic" 2>/dev/null
want="$(durable_seq)"
"${replicate[@]}" 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
check "after $cycles kill -9 cycles a replicator catches up (seq $want)" wait_acked "$name" "$want"
check "the stream checks after the kills" stream_check "$work/c2.json"
check "... every seq 1..$want once and in order" \
  test "$(json_num "$work/c2.json" first_seq):$(json_num "$work/c2.json" last_seq):$(json_num "$work/c2.json" records)" = "1:$want:$want"
check "... with a claim by most of the killed replicators ($(json_num "$work/c2.json" claims) claims)" test "$(json_num "$work/c2.json" claims)" -ge $((cycles / 2))

# --- the NATS server stops and comes back while the engine runs -----------------------------
stop_nats
before="$(durable_seq)"
send_random 3 200
after="$(durable_seq)"
check "the engine keeps applying and journaling while NATS is down ($before → $after)" test "$after" -gt "$before"
check "NATS restarts on the same store" start_nats
check "the replicator catches up after the restart (seq $after)" wait_acked "$name" "$after" 1000
check "the stream checks after the restart" stream_check "$work/c3.json"
check "... every seq 1..$after once and in order" \
  test "$(json_num "$work/c3.json" first_seq):$(json_num "$work/c3.json" last_seq):$(json_num "$work/c3.json" records)" = "1:$after:$after"

# --- a takeover after the writer died -------------------------------------------------------
# The writer is killed first, as when its host dies (a takeover beside a writer that is still
# publishing is replicate_live_takeover.sh's).
kill -KILL "$rep"; wait "$rep" 2>/dev/null
"${replicate[@]}" --takeover 2>"$work/take.err" &
taker=$!
pids+=("$taker")
claimed() { contains "$work/take.err" "claimed stream"; }
for _ in $(seq 500); do claimed && break; sleep 0.02; done
check "the taker claims the stream" claimed
send_random 4 50
want="$(durable_seq)"
check "the taker publishes the rest (seq $want)" wait_acked "$name" "$want"
kill -TERM "$taker"; wait "$taker"
check "the stream checks after the takeover" stream_check "$work/c4.json"
check "... every seq 1..$want once and in order" \
  test "$(json_num "$work/c4.json" last_seq):$(json_num "$work/c4.json" records)" = "$want:$want"

# --- forged damage: a gap and a corrupt record are named by their seq ------------------------
next=$((want + 1))
nats_pub "ose.$name.journal" "Ose-First-Seq: $((next + 5));Ose-Last-Seq: $((next + 5))" "x"
"$ose" follow --nats "$nats_url" --engine "$name" --check >/dev/null 2>"$work/gap.err"
check "a gapped stream fails the check (exit 3)" test $? -eq 3
check "... naming the missing seq $next" contains "$work/gap.err" "journal seq $next: the stream skips it"
finish "$work/rep.log" "$work/engine.log" "$work/nats.log" "$work/check.err"
