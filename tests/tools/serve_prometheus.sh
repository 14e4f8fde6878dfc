#!/usr/bin/env bash
# A real Prometheus scrapes `ose serve` every 100 ms while two strategy clients trade; at the
# end, the counters Prometheus stored (queried through its HTTP API) equal what
# `ose inspect status` reports: inputs, ticks, live orders, rejects by reason, commands per
# client. Skipped (77) without the prometheus binary (Debian: prometheus).
# Usage: serve_prometheus.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null || { echo "skipped: no prometheus binary"; exit 77; }
. "$(dirname "$0")/serve_common.sh"

start_engine
start_serve
prom_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 100ms
  scrape_timeout: 100ms
scrape_configs:
  - job_name: ose
    static_configs:
      - targets: ['127.0.0.1:$port']
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
pids+=("$prom_pid")  # lib.sh's cleanup kills it however the test ends
on_cleanup() { kill -TERM "$prom_pid" 2>/dev/null; wait "$prom_pid" 2>/dev/null; }
prom="http://127.0.0.1:$prom_port"
for _ in $(seq 200); do curl -sf "$prom/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
check "prometheus is up" curl -sf "$prom/-/ready" -o /dev/null
query() {  # query PROMQL: the value of its one sample, or empty
  curl -sf --get --data-urlencode "query=$1" "$prom/api/v1/query" | jq -r '.data.result[0].value[1] // empty'
}
for _ in $(seq 100); do [ "$(query 'up{job="ose"}')" = 1 ] && break; sleep 0.1; done
check "... and scraping ose serve" test "$(query 'up{job="ose"}')" = 1

# Two strategies trade at once (resting limit orders, every fifth one cancelled, a few
# rejected for a price outside the band) after the scenario has funded the accounts.
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null
orders() {  # orders CLIENT FIRST_CL_ID: in 5 bursts 300 ms apart, so that scrapes fall between
  local client="$1" first="$2" i
  for i in $(seq 0 149); do
    [ $((i % 30)) -eq 29 ] && sleep 0.3
    local cl=$((first + i)) price=$((60000 + i % 7))
    [ $((i % 25)) -eq 7 ] && price=90000  # outside the 5 % price band: rejected
    echo "{\"op\":\"new_order\",\"cl_id\":$cl,\"account\":\"main\",\"strategy\":\"$client\",\"symbol\":\"BTCUSDT\",\"side\":\"buy\",\"type\":\"limit\",\"tif\":\"gtc\",\"qty\":\"0.001\",\"price\":\"$price\"}"
    [ $((i % 5)) -eq 4 ] && echo "{\"op\":\"cancel\",\"cl_id\":$cl}"
  done
}
# (`ose send -` sends each line as it reads it.)
orders ema1 10000 | "$ose" send --engine "$name" --client ema1 - >"$work/ema1.out" &
a=$!
orders mm1 20000 | "$ose" send --engine "$name" --client mm1 - >"$work/mm1.out" &
b=$!
wait "$a"; check "ema1 traded" test $? -eq 0
wait "$b"; check "mm1 traded" test $? -eq 0
quiet
"$ose" inspect --engine "$name" status --json >"$work/status.json"

want_seq="$(jq .applied_seq "$work/status.json")"
for _ in $(seq 100); do [ "$(query ose_applied_seq)" = "$want_seq" ] && break; sleep 0.2; done
check "prometheus scraped the final seq ($want_seq)" test "$(query ose_applied_seq)" = "$want_seq"
moves="$(query 'changes(ose_applied_seq[5m])')"
check "... having scraped it moving while the clients traded ($moves changes)" test "${moves:-0}" -ge 3

same() {  # same WHAT PROMQL EXPECTED
  local got; got="$(query "$2")"
  check "$1: prometheus $got == inspect $3" test "$got" = "$3"
}
same "inputs applied" ose_inputs_applied_total "$(jq .inputs_applied "$work/status.json")"
same "ticks applied" ose_ticks_applied_total "$(jq .ticks_applied "$work/status.json")"
same "live orders" ose_live_orders "$(jq .live_orders "$work/status.json")"
same "events published" ose_events_published_total "$(jq .events_published "$work/status.json")"
for reason in $(jq -r '.rejects | keys[]' "$work/status.json"); do
  same "rejects $reason" "ose_rejects_total{reason=\"$reason\"}" "$(jq ".rejects.$reason" "$work/status.json")"
done
check "... there were rejects to compare" test "$(jq '.rejects | length' "$work/status.json")" -gt 0
same "all rejects" 'sum(ose_rejects_total)' "$(jq '[.rejects[]] | add' "$work/status.json")"
for client in ema1 mm1 ops; do
  same "commands of $client" "ose_client_commands_total{client=\"$client\"}" \
    "$(jq ".clients[] | select(.name == \"$client\") | .commands" "$work/status.json")"
done
finish "$work/prometheus.log" "$work/serve.log" "$work/engine.log"
