#!/usr/bin/env bash
# `ose serve`'s JSON API and event stream against a live engine: after the demo scenario (sent
# with `ose send`), every /api/* table is byte for byte what `ose inspect --json` prints at the
# same seq (the engine is quiet, so both read the same state), filters included; /api/status
# matches `ose inspect status --json` but for the figures that move with the clock; the
# command-latency histogram counted every command of the scenario once; and the event stream
# delivered the scenario's events in the broadcast ring's order.
# Usage: serve_api.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_common.sh"

check "ose serve --help exits 0" "$ose" serve --help >/dev/null
start_engine
start_serve
check "serve prints its URL" contains "$work/serve.out" "http://127.0.0.1:$port/"

# The live tail, opened before the scenario: it must see every event of it, in order.
curl -sN --max-time 60 "$base/api/events" >"$work/sse.txt" 2>/dev/null &
sse_pid=$!
pids+=("$sse_pid")
sleep 0.5
"$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >"$work/answers.txt"
check "the demo scenario goes through" test $? -eq 0
quiet

for view in state orders positions balances market strategies; do
  http "/api/$view" >"$work/api_$view.json"
  "$ose" inspect --engine "$name" "$view" --json >"$work/inspect_$view.json"
  check "/api/$view == ose inspect $view --json" cmp "$work/api_$view.json" "$work/inspect_$view.json"
done
check "... and the scenario left orders to compare" test "$(jq '.orders | length' "$work/api_orders.json")" -gt 3
check "... and positions" test "$(jq '.positions | length' "$work/api_positions.json")" -gt 0

# Filters, as `ose inspect` takes them.
http "/api/orders?open=1&strategy=ema1" >"$work/api_open.json"
"$ose" inspect --engine "$name" orders --open --strategy ema1 --json >"$work/inspect_open.json"
check "/api/orders?open=1&strategy=ema1 == inspect orders --open --strategy ema1" \
  cmp "$work/api_open.json" "$work/inspect_open.json"
http "/api/orders?account=main&symbol=BTCUSDT" >"$work/api_acct.json"
"$ose" inspect --engine "$name" orders --account main --symbol BTCUSDT --json >"$work/inspect_acct.json"
check "/api/orders?account=main&symbol=BTCUSDT == inspect orders --account main --symbol BTCUSDT" \
  cmp "$work/api_acct.json" "$work/inspect_acct.json"
code="$(curl -s -o "$work/bad.json" -w '%{http_code}' "$base/api/orders?symbol=NOPE")"
check "an unknown filter name is a 400" test "$code" = 400
check "... saying which" contains "$work/bad.json" "no instrument 'NOPE'"

# Status: the same document but for what moves with the clock.
volatile='del(.heartbeat_age_ms, .inputs_per_sec)'
http /api/status | jq -S "$volatile" >"$work/api_status.json"
"$ose" inspect --engine "$name" status --json | jq -S "$volatile" >"$work/inspect_status.json"
check "/api/status == ose inspect status --json (clock figures aside)" \
  cmp "$work/api_status.json" "$work/inspect_status.json"

# The command-latency histogram: the engine counted each command of the scenario once (every
# line is one command through the ops client's ring, stamped by the client library), and
# /metrics shows the same histogram, cumulative, with _count == the +Inf bucket.
sent="$(grep -c . "$src/config/scenarios/demo.jsonl")"
http /api/status >"$work/status_latency.json"
check "command_latency.count == the $sent commands sent" \
  test "$(jq .command_latency.count "$work/status_latency.json")" = "$sent"
check "... == what the engine counted for the ops client" test "$(jq \
  '.clients[] | select(.name == "ops") | .commands' "$work/status_latency.json")" = "$sent"
check "... and its buckets add up to it" test "$(jq \
  '([.command_latency.buckets[].count] | add) + .command_latency.above_last_bucket' \
  "$work/status_latency.json")" = "$sent"
check "... p50 <= p99 <= max" test "$(jq \
  '.command_latency | .p50_ns <= .p99_ns and .p99_ns <= .max_ns' "$work/status_latency.json")" = true
"$ose" inspect --engine "$name" status >"$work/status.txt"
check "ose inspect status prints it" contains "$work/status.txt" "command latency ($sent commands): p50"
http /metrics >"$work/metrics_latency.txt"
check "/metrics: ose_command_latency_seconds_count == $sent" \
  grep -q "^ose_command_latency_seconds_count $sent\$" "$work/metrics_latency.txt"
check "... its +Inf bucket too" \
  grep -q "^ose_command_latency_seconds_bucket{le=\"+Inf\"} $sent\$" "$work/metrics_latency.txt"
check "... and its buckets are cumulative" awk -F' ' '
  /^ose_command_latency_seconds_bucket/ { if ($2 < last) bad = 1; last = $2; n++ }
  END { exit (bad || n != 29) }' "$work/metrics_latency.txt"

# /metrics' order figures, which the engine keeps in its state header: ose_orders by
# status are the orders `ose inspect orders --json` lists, counted by status here with jq, and
# the table figures come from the same (quiet) seq.
http /metrics >"$work/metrics_orders.txt"
for status in $(jq -r '[.orders[].status] | unique[]' "$work/inspect_orders.json"); do
  want="$(jq "[.orders[] | select(.status == \"$status\")] | length" "$work/inspect_orders.json")"
  check "/metrics: ose_orders{status=\"$status\"} == $want, as inspect lists them" \
    grep -q "^ose_orders{status=\"$status\"} $want\$" "$work/metrics_orders.txt"
done
check "... and they add up to every order listed" test "$(awk '/^ose_orders\{/ { n += $2 } END { print n }' \
  "$work/metrics_orders.txt")" = "$(jq '.orders | length' "$work/inspect_orders.json")"
check "... ose_state_seq is inspect's seq" \
  grep -q "^ose_state_seq $(jq .seq "$work/inspect_orders.json")\$" "$work/metrics_orders.txt"
check "... ose_strategy_open_orders{strategy=\"ema1\"} is inspect's" grep -q \
  "^ose_strategy_open_orders{strategy=\"ema1\"} $(jq '.strategies[] | select(.name == "ema1") | .open_orders' \
  "$work/inspect_strategies.json")\$" "$work/metrics_orders.txt"

# Nothing changes state; only GET and HEAD are served.
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{}' "$base/api/orders")"
check "POST is refused with 405" test "$code" = 405
code="$(curl -s -o /dev/null -w '%{http_code}' "$base/api/nothing")"
check "an unknown path is a 404" test "$code" = 404
check "HEAD /metrics is answered" curl -sfI --max-time 5 "$base/metrics" -o /dev/null
http /metrics >"$work/metrics.txt"
check "/metrics has the engine up" grep -q '^ose_up{engine="'"$name"'"} 1$' "$work/metrics.txt"
check "... and the rejects by reason" grep -q '^ose_rejects_total{reason=' "$work/metrics.txt"
check "/ is the dashboard" sh -c "curl -sf '$base/' | grep -q 'ose dashboard'"

# The event stream: the same events, in the same order, as the broadcast ring holds them.
sleep 0.5
kill "$sse_pid" 2>/dev/null
wait "$sse_pid" 2>/dev/null
sed -n 's/^data: //p' "$work/sse.txt" >"$work/sse_events.jsonl"
"$ose" inspect --engine "$name" events >"$work/ring_events.jsonl"
check "the event stream delivered events" test -s "$work/sse_events.jsonl"
check "SSE == the broadcast ring's events, in order" cmp "$work/sse_events.jsonl" "$work/ring_events.jsonl"
check "... including the scenario's fills" grep -q '"type":"fill"' "$work/sse_events.jsonl"
http "/api/events?from=oldest" --max-time 2 >"$work/sse_oldest.txt"
sed -n 's/^data: //p' "$work/sse_oldest.txt" >"$work/sse_oldest.jsonl"
check "?from=oldest replays the ring from its start" cmp "$work/sse_oldest.jsonl" "$work/ring_events.jsonl"

kill -TERM "$serve_pid"
wait "$serve_pid"
check "SIGTERM stops ose serve with exit 0" test $? -eq 0
finish "$work/serve.log" "$work/engine.log"
