#!/usr/bin/env bash
# `ose serve` under hostile requests and its access rules: malformed request lines get a 4xx,
# a 1 MB header is refused, 2000 connections at once and a slow client do not stop it from
# answering, and the engine beside it keeps its heartbeat. A non-loopback --listen without a
# token is refused at start; with a token, a request without it or with a wrong one is a 401.
# Usage: serve_hostile.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_common.sh"
hostile() { python3 "$src/tests/tools/serve_hostile.py" "$port" "$1" >>"$work/hostile.log" 2>&1; }
alive() { kill -0 "$serve_pid" 2>/dev/null && http /api/status >/dev/null; }

start_engine
start_serve
check "malformed request lines get a 4xx or a close" hostile malformed
check "... and the server still answers" alive
check "a 1 MB header is not accepted" hostile big-header
check "... and the server still answers" alive
check "2000 connections at once" hostile many
check "... and the server answers within 15 s" sh -c "curl -sf --max-time 15 '$base/api/status' >/dev/null"
hostile slow &
slow_pid=$!
sleep 0.5
check "a slow client does not hold up the others" curl -sf --max-time 2 "$base/api/status" -o /dev/null
wait "$slow_pid"
check "... and the server still answers" alive
age="$("$ose" inspect --engine "$name" status --json | jq .heartbeat_age_ms)"
check "the engine's heartbeat stayed fresh through it all ($age ms)" test "$age" -lt 2000
kill -TERM "$serve_pid"; wait "$serve_pid"
check "ose serve stops cleanly after the attacks" test $? -eq 0

# Access: loopback by default; anything else needs a token, compared in full.
"$ose" serve --engine "$name" --listen 0.0.0.0:0 >/dev/null 2>"$work/refused.err"
check "a non-loopback address without --token-file is refused" test $? -eq 2
check "... saying why" contains "$work/refused.err" "not a loopback address"
echo short >"$work/short.token"
"$ose" serve --engine "$name" --listen 0.0.0.0:0 --token-file "$work/short.token" >/dev/null \
  2>"$work/short.err"
check "a token under 16 characters is refused" test $? -eq 2
"$ose" serve --engine "$name" --listen 127.0.0.1:99999 >/dev/null 2>"$work/port.err"
check "a port out of range is refused" test $? -eq 2
token="0123456789abcdef0123456789abcdef"
echo "$token" >"$work/good.token"
rm -f "$work/port"
"$ose" serve --engine "$name" --listen 0.0.0.0:0 --token-file "$work/good.token" \
  --port-file "$work/port" >/dev/null 2>>"$work/serve.log" &
pids+=($!)
serve_pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$work/port")"
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check "with a token: no token is a 401" test "$(code "$base/api/status")" = 401
check "... a wrong token is a 401" \
  test "$(code -H "Authorization: Bearer ${token%?}x" "$base/api/status")" = 401
check "... a longer token is a 401" \
  test "$(code -H "Authorization: Bearer ${token}0" "$base/api/status")" = 401
check "... the right token is a 200" \
  test "$(code -H "Authorization: Bearer $token" "$base/api/status")" = 200
check "... and /metrics too needs it" test "$(code "$base/metrics")" = 401
check "... ?token= for the browser's EventSource" \
  test "$(code "$base/api/status?token=$token")" = 200
finish "$work/hostile.log" "$work/serve.log"
