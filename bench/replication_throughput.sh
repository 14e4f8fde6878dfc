#!/usr/bin/env bash
# Replication throughput (issue 18, docs/PERFORMANCE.md "Issue 18"): an engine journals N random
# inputs sent through `ose send`; then, against a nats-server on loopback with JetStream file
# storage, `ose replicate` publishes the whole journal from an empty stream (records/s
# acknowledged), and `ose follow` rebuilds the state from the stream (inputs/s applied, its hash
# checked against the engine's). Catch-up rates: the replicator and the follower run flat out.
# Then, when the build has it (-DOSE_BUILD_BENCH=ON), bench/replication_lag.cpp: the replication
# lag p50/p99 with the engine driven at LAG_RATES inputs/s (default 100000,1000000) for
# LAG_SECONDS (default 3) each, next to the engine's journaled rate in the same run.
# Usage: bench/replication_throughput.sh PATH/TO/ose [N]
set -euo pipefail
ose="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
n="${2:-200000}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
name="rb$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work" /dev/shm/ose."$name".* /dev/shm/ose."$name"f.*
}
trap cleanup EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="nats://127.0.0.1:$port"
now() { date +%s.%N; }
field() { "$ose" inspect --engine "$1" "${@:3}" --json | grep -o "\"$2\": *\"\\?[0-9a-f]*" | head -1 | sed 's/.*: *"\{0,1\}//'; }

sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  -e "s/^snapshot_every = .*/snapshot_every = 100000/" "$here/config/example.toml" >"$work/config.toml"
python3 - "$n" >"$work/in.jsonl" <<'PY'
import random, sys
r = random.Random(1)
for i in range(int(sys.argv[1])):
    m = 61800 + r.randint(-60, 60)
    print('{"op":"tick","symbol":"BTCUSDT","bid":"%d","ask":"%d.5","last":"%d"}' % (m, m, m))
PY
"$ose" engine --config "$work/config.toml" -q 2>"$work/engine.log" &
pids+=($!)
sleep 1
t0="$(now)"
"$ose" send --engine "$name" --client ops - <"$work/in.jsonl" >/dev/null
seq="$(field "$name" applied_seq status)"
while [ "$(field "$name" durable_seq status)" != "$seq" ]; do sleep 0.01; done
t1="$(now)"
hash="$(field "$name" state_hash)"

nats-server -a 127.0.0.1 -p "$port" -js -sd "$work/js" >"$work/nats.log" 2>&1 &
pids+=($!)
sleep 0.5
t2="$(now)"
"$ose" replicate --config "$work/config.toml" --nats "$url" -q &
pids+=($!)
f="/dev/shm/ose.$name.replication"
until [ -e "$f" ] && grep -q "\"acked_seq\": $seq," "$f"; do sleep 0.005; done
t3="$(now)"
"$ose" follow --nats "$url" --engine "$name" --as "${name}f" --data-dir "$work/f" -q &
pids+=($!)
until [ "$(field "${name}f" applied_seq status 2>/dev/null)" = "$seq" ]; do sleep 0.005; done
t4="$(now)"
[ "$(field "${name}f" state_hash)" = "$hash" ] || { echo "follower hash differs" >&2; exit 1; }
python3 - "$seq" "$t0" "$t1" "$t2" "$t3" "$t4" <<'PY'
import sys
n = int(sys.argv[1]); t = [float(x) for x in sys.argv[2:]]
print(f"inputs journaled via ose send : {n} in {t[1]-t[0]:.2f} s = {n/(t[1]-t[0]):,.0f}/s")
print(f"replicate (catch-up, acked)   : {n} in {t[3]-t[2]:.2f} s = {n/(t[3]-t[2]):,.0f} records/s")
print(f"follow (catch-up, applied)    : {n} in {t[4]-t[3]:.2f} s = {n/(t[4]-t[3]):,.0f} inputs/s (hash equal)")
PY

lag_bench="$(dirname "$ose")/../bench/ose_bench_replication_lag"
if [ -x "$lag_bench" ]; then
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$lag_bench" --ose "$ose" --rates "${LAG_RATES:-100000,1000000}" --seconds "${LAG_SECONDS:-3}"
fi
