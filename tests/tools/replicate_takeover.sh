#!/usr/bin/env bash
# A takeover through the stream (docs/SCALE_OUT.md, "Takeover"): the primary host dies (kill -9
# of its engine and replicator); the follower, caught up, stops; `ose engine --replicate URL
# --takeover` on its journal claims the stream first (the engine takes clients only after the
# claim), then runs under the engine's name and keeps trading and publishing to the same stream.
# Replaying its journal (`ose recover --check`) and a fresh follower of the stream both give the
# new engine's own hash. The old primary's journal, restarted as primary (`ose replicate`, and
# `ose engine --replicate`), is fenced out (exit 4) and the engine never takes clients; a primary
# whose replicator is fenced out by a takeover while it runs stops (exit 4).
# Usage: replicate_takeover.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
name="rt$$"
fol="${name}f"
fol2="${name}g"
on_cleanup() { kill_all; rm -f /dev/shm/ose."$name".* /dev/shm/ose."$fol".* /dev/shm/ose."$fol2".*; }

inspect_field() { "$ose" inspect --engine "$1" "${@:3}" --json | grep -o "\"$2\": *\"\\?[0-9a-f]*" | head -1 | sed 's/.*: *"\{0,1\}//'; }

check "nats-server starts on loopback" start_nats
sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/primary\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 200/" "$src/config/example.toml" >"$work/config.toml"
# The standby's config: the same engine, its journal where the follower keeps it.
sed -e "s|^data_dir = .*|data_dir = \"$work/standby\"|" "$work/config.toml" >"$work/standby.toml"
check "the primary starts" start_engine
old_pid="$pid"
"$ose" replicate --config "$work/config.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
rep=$!
pids+=("$rep")
send_random 1 30
check "the stream starts" wait_acked "$name" 30
"$ose" follow --nats "$nats_url" --engine "$name" --as "$fol" --data-dir "$work/standby" \
  2>>"$work/follow.log" &
follower=$!
pids+=("$follower")
send_random 2 500
seq="$(inspect_field "$name" applied_seq status)"
check "the replicator catches up (seq $seq)" wait_acked "$name" "$seq"
check "the follower catches up" wait_applied "$fol" "$seq"

# The primary host dies.
kill -KILL "$old_pid" "$rep"; wait "$old_pid" "$rep" 2>/dev/null
pid=""
standby_hash="$(inspect_field "$fol" state_hash)"
kill -TERM "$follower"; wait "$follower"
check "the follower stops cleanly" test $? -eq 0
rm -f /dev/shm/ose."$name".*  # what the killed primary left in /dev/shm (another host's, really)

line_of() { grep -n -m1 -F -- "$2" "$1" | cut -d: -f1; }
taking_clients() {  # taking_clients LOG: once the engine's replicator has claimed the stream
  for _ in $(seq 250); do contains "$1" "taking clients" && return 0; sleep 0.02; done
  return 1
}

check "the standby engine starts on the follower's journal, taking the stream over" \
  start_engine_with "$work/standby.toml" "$work/take.log" --replicate "$nats_url" --takeover
check "... and takes clients once its replicator claimed the stream" taking_clients "$work/take.log"
check "... recovering the follower's state (hash $standby_hash)" \
  test "$(inspect_field "$name" state_hash)" = "$standby_hash"
check "... its replicator claimed the stream" contains "$work/take.log" "claimed stream"
check "... before the engine took clients" \
  test "$(line_of "$work/take.log" "claimed stream")" -lt "$(line_of "$work/take.log" "taking clients")"
send_random 3 300
seq="$(inspect_field "$name" applied_seq status)"
check "the new primary keeps publishing to the same stream (seq $seq)" wait_acked "$name" "$seq"
new_hash="$(inspect_field "$name" state_hash)"
check "replaying the new primary's journal gives its hash" \
  "$ose" recover --config "$work/standby.toml" --check --expect "$new_hash"
"$ose" follow --nats "$nats_url" --engine "$name" --check >"$work/check.txt" 2>&1
check "the stream holds every seq once, across the takeover" contains "$work/check.txt" "1..$seq ($seq records"
"$ose" follow --nats "$nats_url" --engine "$name" --as "$fol2" --data-dir "$work/f2" \
  2>>"$work/follow2.log" &
pids+=($!)
check "a fresh follower of the stream reaches the new primary's seq" wait_applied "$fol2" "$seq"
check "... and hash" test "$(inspect_field "$fol2" state_hash)" = "$new_hash"

# The old primary's journal, restarted as primary, cannot publish: the stream went on without it.
"$ose" replicate --config "$work/config.toml" --nats "$nats_url" --takeover 2>"$work/old.err"
check "the old primary's replicator is fenced out (exit 4)" test $? -eq 4
check "... saying so" contains "$work/old.err" "fenced out"
kill -TERM "$pid"; wait "$pid"
check "the new primary stops cleanly (exit 0)" test $? -eq 0
pid=""
"$ose" engine --config "$work/config.toml" -q --replicate "$nats_url" 2>"$work/old_engine.err"
check "the old primary restarted as \`ose engine --replicate\` does not start (exit 4)" test $? -eq 4
check "... saying why" contains "$work/old_engine.err" "not starting"
check "... and never took clients" sh -c "! grep -q 'taking clients' '$work/old_engine.err'"
# The replicator's own reason is in the engine's stderr: it shares the engine's open file (with
# `2>FILE`, an open of its own gave it another offset and the engine's next lines overwrote it).
check "... with its replicator's reason (2>FILE)" contains "$work/old_engine.err" "ose replicate: fenced out"
# Under systemd the engine's stderr is a socket to the journal, which cannot be opened again by
# path: the replicator must still start there, and say why it was fenced out.
python3 - "$work/socket.err" "$ose" engine --config "$work/config.toml" -q --replicate "$nats_url" <<'PY'
import socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen(sys.argv[2:], stderr=b, stdout=subprocess.DEVNULL)
b.close()
with open(sys.argv[1], "wb") as f:
    while d := a.recv(65536):
        f.write(d)
sys.exit(p.wait())
PY
check "... and with stderr a socket (journald): exit 4, not a failure to start its replicator" \
  test $? -eq 4
check "... with its replicator's reason in the socket" contains "$work/socket.err" "ose replicate: fenced out"
check "... and the stream's end is still the new primary's" \
  sh -c "'$ose' follow --nats '$nats_url' --engine '$name' --check | grep -qF '1..$seq ($seq records'"

# A primary whose replicator is fenced out while it runs (a takeover elsewhere) stops.
check "the new primary starts again, replicating" \
  start_engine_with "$work/standby.toml" "$work/again.log" --replicate "$nats_url"
check "... once its replicator claimed the stream" taking_clients "$work/again.log"
"$ose" replicate --config "$work/standby.toml" --nats "$nats_url" --takeover -q 2>>"$work/thief.log" &
thief=$!
pids+=("$thief")
send_random 5 20
for _ in $(seq 250); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"
check "... and stops when a takeover fences its replicator out (exit 4)" test $? -eq 4
pid=""
check "... saying so" contains "$work/again.log" "stopping the engine"

# The engine's replicator goes with the engine, even after kill -9: an orphan would answer as the
# stream's writer and refuse the restarted engine's replicator.
check "the new primary takes the stream back" \
  start_engine_with "$work/standby.toml" "$work/last.log" --replicate "$nats_url" --takeover
check "... once its replicator claimed it" taking_clients "$work/last.log"
child="$(grep -o 'ose replicate, pid [0-9]*' "$work/last.log" | tail -1 | grep -o '[0-9]*$')"
kill -KILL "$pid"; wait "$pid" 2>/dev/null
pid=""
gone() { for _ in $(seq 150); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.02; done; return 1; }
check "killed -9, its replicator (pid $child) stops too" gone "$child"
finish "$work/take.log" "$work/rep.log" "$work/follow.log" "$work/engine.log" "$work/old.err" \
  "$work/old_engine.err" "$work/socket.err" "$work/again.log" "$work/thief.log" "$work/last.log"
