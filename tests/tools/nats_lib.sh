# shellcheck shell=bash
# What the replication tests (replicate_*.sh) share, sourced after lib.sh: a real nats-server with
# JetStream file storage in the test's work directory, on a free loopback port, stopped at exit
# whatever happens (lib.sh kills everything in pids); exit 77 (skipped) when it is not installed.
# Also: a random scenario, waiting on the replicator's status file, and raw publishes into a
# stream (the NATS text protocol over bash's /dev/tcp) to forge damage.
command -v nats-server >/dev/null || { echo "skipped: nats-server is not installed"; exit 77; }

nats_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
nats_url="nats://127.0.0.1:$nats_port"
nats_pid=""

start_nats() {
  nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/jetstream" >>"$work/nats.log" 2>&1 &
  nats_pid=$!
  pids+=("$nats_pid")
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
# kill_all: every background process of the test, now (an on_cleanup calls it before it removes
# the files in /dev/shm that a replicator or a follower would otherwise write again).
kill_all() { for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }

stop_nats() { kill -TERM "$nats_pid" 2>/dev/null; wait "$nats_pid" 2>/dev/null; nats_pid=""; }

# write_config DATA_DIR SNAPSHOT_EVERY [MORE_ENGINE_LINES]: $work/config.toml, the example
# config as engine `name` with its journal in DATA_DIR.
write_config() {
  sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$1\"|" \
    -e "s/^snapshot_every = .*/snapshot_every = $2${3:+\\n$3}/" "$src/config/example.toml" >"$work/config.toml"
}

# random_scenario SEED LINES [CL_ID_BASE]: ticks, orders and cancels on BTCUSDT from ema1.
random_scenario() {
  python3 - "$1" "$2" "${3:-1}" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1])); n = int(sys.argv[2]); base = int(sys.argv[3])
placed = []
for i in range(n):
    x = r.random()
    if x < 0.3:
        mid = 61800 + r.randint(-60, 60)
        print('{"op":"tick","symbol":"BTCUSDT","bid":"%d","ask":"%d.5","last":"%d"}' % (mid, mid, mid))
    elif x < 0.85 or not placed:
        cl = base + i
        placed.append(cl)
        print('{"op":"new_order","client":"ema1","cl_id":%d,"account":"main","strategy":"ema1",'
              '"symbol":"BTCUSDT","side":"%s","type":"limit","tif":"gtc","qty":"0.00%d","price":"%d"}'
              % (cl, r.choice(["buy", "sell"]), r.randint(1, 9), 61700 + r.randint(0, 200)))
    else:
        print('{"op":"cancel","client":"ema1","cl_id":%d}' % r.choice(placed))
PY
}

# send_random SEED LINES: a random scenario sent to engine `name` as ops.
send_random() {
  random_scenario "$1" "$2" "$(($1 * 100000))" >"$work/s$1.jsonl"
  "$ose" send --engine "$name" --client ops - <"$work/s$1.jsonl" >/dev/null 2>&1
}

# applied_seq ENGINE; wait_applied ENGINE SEQ: until it has applied SEQ (20 ms a try).
applied_seq() {
  "$ose" inspect --engine "$1" status --json | grep -o '"applied_seq": *[0-9]*' | head -1 | grep -o '[0-9]*$'
}
wait_applied() {
  for _ in $(seq 500); do
    [ "$(applied_seq "$1" 2>/dev/null)" = "$2" ] && return 0
    sleep 0.02
  done
  return 1
}

# json_num FILE KEY: a number field of a flat JSON object.
json_num() { grep -o "\"$2\": *[0-9]*" "$1" | head -1 | sed 's/.*: *//'; }

# durable_seq: engine `name`'s journaled seq, once the journal caught up with the applied seq.
durable_seq() {  # after the journal caught up with the applied seq
  local st="$work/st.json" a d
  for _ in $(seq 200); do
    "$ose" inspect --engine "$name" status --json >"$st"
    a="$(json_num "$st" applied_seq)"; d="$(json_num "$st" durable_seq)"
    [ "$a" = "$d" ] && echo "$d" && return 0
    sleep 0.05
  done
  return 1
}

# wait_acked ENGINE SEQ [TRIES]: until the replicator's status file says the stream acknowledged
# journal seq SEQ (20 ms a try).
wait_acked() {
  local f="/dev/shm/ose.$1.replication" acked
  for _ in $(seq "${3:-500}"); do
    acked="$(json_num "$f" acked_seq 2>/dev/null)"
    [ -n "$acked" ] && [ "$acked" -ge "$2" ] && return 0
    sleep 0.02
  done
  echo "the stream acknowledged ${acked:-nothing}, not $2" >&2
  return 1
}

# nats_pub SUBJECT 'HEADER: VALUE;...' PAYLOAD: one raw publish (core NATS with headers), which
# JetStream stores like any other message on the stream's subjects.
nats_pub() {
  local hdr="NATS/1.0"$'\r\n' h
  IFS=';' read -ra hs <<<"$2"
  for h in "${hs[@]}"; do hdr+="$h"$'\r\n'; done
  hdr+=$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$nats_port"
  printf 'CONNECT {"verbose":false,"headers":true,"no_responders":true}\r\n' >&3
  printf 'HPUB %s %d %d\r\n%s%s\r\nPING\r\n' "$1" "${#hdr}" "$((${#hdr} + ${#3}))" "$hdr" "$3" >&3
  timeout 2 grep -m1 -q PONG <&3
  exec 3<&- 3>&-
}
