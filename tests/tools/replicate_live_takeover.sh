#!/usr/bin/env bash
# `ose replicate --takeover` beside a replicator that is still publishing (docs/SCALE_OUT.md,
# "The newest claim wins"): each message names its predecessor's stream sequence and message id,
# so once the claim takes the place of the old writer's first publish in flight, the rest of its
# pipeline is refused too (a sequence alone would let the next one in). Repeated while clients
# trade and the writer keeps hundreds of one-record messages in flight: each old writer stops
# fenced out (exit 4), the stream checks with every journal seq once and in order, and a follower
# that ran through every takeover ends with the engine's own seq and state hash. A leftover of a
# fenced writer after the newest claim (forged here) is ignored by the check, the writer and the
# follower. Expected seqs and hash come from the engine (`ose inspect`), never from the
# replicator.
# Usage: replicate_live_takeover.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rl$$"
fol="${name}f"
takeovers="${OSE_LIVE_TAKEOVERS:-6}"
on_cleanup() { kill_all; rm -f /dev/shm/ose."$fol".*; }

state_hash() { "$ose" inspect --engine "$1" status --json | grep -o '"state_hash": *"[0-9a-f]*' | head -1 | sed 's/.*"//'; }
# One record a message and many in flight: the widest window for leftovers after a claim.
replicate=("$ose" replicate --config "$work/config.toml" --nats "$nats_url" --batch 1 --max-in-flight 512)

check "nats-server starts on loopback" start_nats
write_config "$work/data" 300
check "the engine starts" start_engine
"${replicate[@]}" 2>>"$work/rep0.log" &
rep=$!
pids+=("$rep")
send_random 1 50
check "the first writer publishes" wait_acked "$name" "$(durable_seq)"
"$ose" follow --nats "$nats_url" --engine "$name" --as "$fol" --data-dir "$work/fol" \
  2>>"$work/follow.log" &
follower=$!
pids+=("$follower")

# Stopped by a file, not a kill: a killed subshell leaves its running `ose send` journaling after
# the seq read below, and the stream and the follower then rightly go past it.
(
  for i in $(seq 1000); do
    [ -e "$work/stop_traffic" ] && break
    send_random $((10 + i)) 150
  done
) &
traffic=$!
pids+=("$traffic")
fenced_out=0
for t in $(seq "$takeovers"); do
  sleep "0.$((RANDOM % 3 + 2))"
  "${replicate[@]}" --takeover 2>>"$work/rep$t.log" &
  taker=$!
  pids+=("$taker")
  # The old writer learns at its next refused publish that the stream is no longer its own.
  for _ in $(seq 250); do kill -0 "$rep" 2>/dev/null || break; sleep 0.02; done
  wait "$rep" 2>/dev/null
  code=$?
  [ "$code" -eq 4 ] && contains "$work/rep$((t - 1)).log" "fenced out" && fenced_out=$((fenced_out + 1))
  [ "$code" -ne 4 ] && echo "writer $((t - 1)) ended with exit $code" && tail -3 "$work/rep$((t - 1)).log"
  rep="$taker"
done
touch "$work/stop_traffic"; wait "$traffic" 2>/dev/null
check "every old writer was fenced out by the takeover beside it ($fenced_out of $takeovers, exit 4)" \
  test "$fenced_out" -eq "$takeovers"
want="$(durable_seq)"
check "the last taker publishes everything (seq $want)" wait_acked "$name" "$want" 1000
"$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$work/check.json" 2>"$work/check.err"
check "the stream checks: no gap, no duplicate" test $? -eq 0
check "... every seq 1..$want once and in order" \
  test "$(json_num "$work/check.json" first_seq):$(json_num "$work/check.json" last_seq):$(json_num "$work/check.json" records)" = "1:$want:$want"
check "... and a claim by each writer" test "$(json_num "$work/check.json" claims)" -eq $((takeovers + 1))
echo "info - fenced writers' leftovers ignored by the check: $(json_num "$work/check.json" fenced)"
check "the follower that ran through every takeover reaches seq $want" wait_applied "$fol" "$want"
check "... with the engine's state hash" test "$(state_hash "$fol")" = "$(state_hash "$name")"

# Chained on the previous message's id, a fenced writer's pipeline is refused whole, so leftovers
# are rare; readers ignore them anyway. One forged here: a journal message after the newest claim
# that names the previous writer and holds the next seq.
old_writer="$(grep -o 'as writer [0-9a-f]*' "$work/rep$((takeovers - 1)).log" | head -1 | sed 's/.* //')"
nats_pub "ose.$name.journal" "Ose-Writer: $old_writer;Ose-First-Seq: $((want + 1));Ose-Last-Seq: $((want + 1))" "x"
"$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$work/check2.json" 2>>"$work/check.err"
check "a fenced writer's leftover after the claim is ignored by the check" \
  test "$(json_num "$work/check2.json" fenced):$(json_num "$work/check2.json" last_seq)" = "$(($(json_num "$work/check.json" fenced) + 1)):$want"
send_random 2000 100
want="$(durable_seq)"
check "... and by the writer: it resyncs past it and publishes on (seq $want)" wait_acked "$name" "$want"
check "... and by the follower (seq $want, the engine's hash)" wait_applied "$fol" "$want"
check "... with the engine's state hash" test "$(state_hash "$fol")" = "$(state_hash "$name")"
"$ose" follow --nats "$nats_url" --engine "$name" --check --json >"$work/check3.json" 2>>"$work/check.err"
check "the stream still checks: every seq 1..$want once and in order" \
  test "$(json_num "$work/check3.json" first_seq):$(json_num "$work/check3.json" last_seq):$(json_num "$work/check3.json" records)" = "1:$want:$want"
kill -TERM "$follower"; wait "$follower"
check "the follower stops cleanly (never stopped on a gap)" test $? -eq 0
finish "$work/check.err" "$work/follow.log" "$work"/rep*.log "$work/engine.log"
