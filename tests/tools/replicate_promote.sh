#!/usr/bin/env bash
# `ose follow --promote STANDBY.toml` (docs/SCALE_OUT.md, "Takeover"): the primary host dies
# (kill -9 of its engine and replicator); SIGUSR1 to the follower makes it stop with its journal
# durable and become, in the same process, `ose engine --replicate URL --takeover` on that
# journal under the engine's name: the stream is claimed before it takes clients, it starts from
# the follower's state hash, keeps trading and publishing to the same stream, and the stream
# holds every seq once. A --promote config that is not the followed engine's, on this follower's
# journal, is refused at start.
# Usage: replicate_promote.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rq$$"
fol="${name}f"
on_cleanup() { kill_all; rm -f /dev/shm/ose."$fol".*; }
state_hash() { "$ose" inspect --engine "$1" --json | grep -o '"state_hash": *"[0-9a-f]*"' | grep -o '[0-9a-f]\{16\}'; }

check "nats-server starts on loopback" start_nats
write_config "$work/primary" 200
sed -e "s|^data_dir = .*|data_dir = \"$work/standby\"|" "$work/config.toml" >"$work/standby.toml"
check "the primary starts" start_engine
primary="$pid"
"$ose" replicate --config "$work/config.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
send_random 1 300

"$ose" follow --nats "$nats_url" --engine "$name" --as "$fol" --data-dir "$work/other" \
  --promote "$work/standby.toml" 2>"$work/bad.err"
check "a --promote config on another journal is refused (exit 1)" test $? -eq 1
check "... saying why" contains "$work/bad.err" "is not this follower's journal"

"$ose" follow --nats "$nats_url" --engine "$name" --as "$fol" --data-dir "$work/standby" \
  --promote "$work/standby.toml" 2>>"$work/follow.log" &
follower=$!
pids+=("$follower")
seq="$(durable_seq)"
check "the follower catches up (seq $seq)" wait_applied "$fol" "$seq"
standby_hash="$(state_hash "$fol")"

kill -KILL "$primary" "$rep"; wait "$primary" "$rep" 2>/dev/null
pid=""
rm -f /dev/shm/ose."$name".*  # what the killed primary left (another host's, really)
kill -USR1 "$follower"
up() {  # the engine of `name`, run by the follower's own process, taking clients
  for _ in $(seq 250); do
    "$ose" inspect --engine "$name" status --json >"$work/up.json" 2>/dev/null &&
      grep -q "\"pid\": $follower\b" "$work/up.json" && contains "$work/follow.log" "taking clients" &&
      return 0
    sleep 0.02
  done
  return 1
}
check "SIGUSR1: the follower becomes the engine (same pid $follower), taking clients" up
check "... after its replicator claimed the stream" contains "$work/follow.log" "claimed stream"
check "... from the follower's state (hash $standby_hash)" test "$(state_hash "$name")" = "$standby_hash"
send_random 2 200
seq="$(durable_seq)"
check "the promoted engine publishes to the same stream (seq $seq)" wait_acked "$name" "$seq"
"$ose" follow --nats "$nats_url" --engine "$name" --check >"$work/check.txt" 2>&1
check "the stream holds every seq once, across the promotion" contains "$work/check.txt" "1..$seq ($seq records"
kill -TERM "$follower"; wait "$follower"
check "the promoted engine stops cleanly (exit 0)" test $? -eq 0
finish "$work/follow.log" "$work/rep.log" "$work/engine.log" "$work/check.txt"
