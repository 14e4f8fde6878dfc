#!/usr/bin/env bash
# Who may do what (docs/design/0006-roles.md) as a user meets it: `ose replay` of the bundled
# config/scenarios/roles.jsonl and of issue 21's reproduction (an admin and a venue bound to
# "main" acting for "futures"), then the same refusals from a live engine through `ose send`,
# and the FILL_PRICE_OUTSIDE_LIMIT count in `ose inspect status`.
# Usage: roles_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
name="tr$$"
count() { grep -cF -- "$2" "$1"; }  # count FILE TEXT: lines containing TEXT
quiet() { "$@" >/dev/null 2>&1; }

# ---- replay: the bundled scenario, against config/example.toml ----------------------------
"$ose" replay --strict "$src/config/example.toml" "$src/config/scenarios/roles.jsonl" \
  --events-out "$work/roles.jsonl" --state-out "$work/roles_state.json" >/dev/null
check "roles.jsonl replays strictly" test $? -eq 0
# Hand count from the scenario: the venue's amend, cancel and cancel_all, the strategy's fill
# and deposit.
check "five inputs are refused ROLE_NOT_PERMITTED" \
  test "$(count "$work/roles.jsonl" '"reason":"ROLE_NOT_PERMITTED"')" -eq 5
check "another strategy's order is UNKNOWN_ORDER to mm1" \
  test "$(count "$work/roles.jsonl" '"reason":"UNKNOWN_ORDER"')" -eq 1
check "no amend went through" test "$(count "$work/roles.jsonl" '"type":"amended"')" -eq 0
check "both venue fills are applied" test "$(count "$work/roles.jsonl" '"type":"fill"')" -eq 2
check "the fill at 14,000x the limit raises FILL_PRICE_OUTSIDE_LIMIT, once" \
  test "$(count "$work/roles.jsonl" '"reason":"FILL_PRICE_OUTSIDE_LIMIT"')" -eq 1
check "... as an alert event" contains "$work/roles.jsonl" '"type":"alert"'
check "the order is filled at its own size" contains "$work/roles_state.json" '"filled_qty": "0.1"'

# ---- replay: issue 21's reproduction, ops and sim bound to "main" only ---------------------
sed -e '/^name = "sim"/,/^accounts/ s/^accounts = .*/accounts = ["main"]/' \
  -e '/^name = "ops"/,/^accounts/ s/^accounts = .*/accounts = ["main"]/' \
  -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/data\"|" \
  "$src/config/example.toml" >"$work/bound.toml"
check "the bound config binds ops to main" bash -c \
  "grep -A3 '^name = \"ops\"' '$work/bound.toml' | grep -qx 'accounts = \[\"main\"\]'"
cat >"$work/bound.jsonl" <<'EOF'
{"op":"tick","ts":1723161600000000000,"symbol":"BTCUSDT-PERP","bid":"61790","ask":"61790.1","last":"61790"}
{"op":"deposit","source":"ops","account":"futures","asset":"USDT","amount":"1000"}
{"op":"withdraw","source":"ops","account":"futures","asset":"USDT","amount":"1000"}
{"op":"set_leverage","source":"ops","account":"futures","symbol":"BTCUSDT-PERP","leverage":20}
{"op":"halt","source":"ops","scope":"account","name":"futures"}
{"op":"halt","source":"ops","scope":"global"}
{"op":"new_order","source":"ops","client":"perp1","cl_id":1,"account":"futures","strategy":"perp1","symbol":"BTCUSDT-PERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"61700"}
{"op":"new_order","source":"perp1","client":"perp1","cl_id":2,"account":"futures","strategy":"perp1","symbol":"BTCUSDT-PERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"61700"}
{"op":"ack","source":"sim","client":"perp1","cl_id":2}
{"op":"fill","source":"sim","client":"perp1","cl_id":2,"trade_id":1,"qty":"0.1","price":"61700"}
{"op":"deposit","source":"ops","account":"main","asset":"USDT","amount":"1"}
EOF
"$ose" replay --strict "$work/bound.toml" "$work/bound.jsonl" --events-out "$work/bound_events.jsonl" \
  --state-out "$work/bound_state.json" >/dev/null
check "the reproduction replays strictly" test $? -eq 0
# ops: deposit, withdraw, set_leverage, account halt, global halt, new_order; sim: ack, fill.
check "eight inputs outside the binding are ACCOUNT_NOT_PERMITTED" \
  test "$(count "$work/bound_events.jsonl" '"reason":"ACCOUNT_NOT_PERMITTED"')" -eq 8
check "perp1's own order is accepted" contains "$work/bound_events.jsonl" '"type":"accepted"'
check "... and neither acked nor filled" bash -c \
  "! grep -qE '\"type\":\"(acked|fill)\"' '$work/bound_events.jsonl'"
check "ops may still deposit to main" contains "$work/bound_events.jsonl" '"type":"balance"'
check "futures USDT is untouched" bash -c "grep -A3 '\"account\": \"futures\"' '$work/bound_state.json' | grep -q '\"free\": \"49383\"'"

# ---- live: the same refusals through `ose send` ----------------------------------------------
"$ose" engine --config "$work/bound.toml" 2>"$work/engine.log" &
pid=$!
for _ in $(seq 200); do
  "$ose" inspect --engine "$name" status >/dev/null 2>&1 && break
  sleep 0.05
done
check "the engine comes up" quiet "$ose" inspect --engine "$name" status

"$ose" send --engine "$name" --client ops \
  '{"op":"deposit","account":"futures","asset":"USDT","amount":"1000"}' >"$work/s1.txt"
check "live: ops cannot deposit to futures" contains "$work/s1.txt" "ACCOUNT_NOT_PERMITTED"
"$ose" send --engine "$name" --client ops '{"op":"halt","scope":"global"}' >"$work/s2.txt"
check "live: ops bound to main cannot halt globally" contains "$work/s2.txt" "ACCOUNT_NOT_PERMITTED"
"$ose" send --engine "$name" --client sim - >/dev/null <<'EOF'
{"op":"tick","symbol":"BTCUSDT","bid":"61800","ask":"61800.5","last":"61800.2"}
EOF
"$ose" send --engine "$name" --client ema1 \
  '{"op":"new_order","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"61750"}' \
  >"$work/s3.txt"
check "live: ema1's order is accepted" contains "$work/s3.txt" "accepted"
"$ose" send --engine "$name" --client sim '{"op":"amend","client":"ema1","cl_id":1,"qty":"0.2"}' \
  >"$work/s4.txt"
check "live: the venue cannot amend it" contains "$work/s4.txt" "ROLE_NOT_PERMITTED"
"$ose" send --engine "$name" --client sim - >"$work/s5.txt" <<'EOF'
{"op":"ack","client":"ema1","cl_id":1}
{"op":"fill","client":"ema1","cl_id":1,"trade_id":1,"qty":"0.05","price":"864500000"}
EOF
check "live: the venue's fill far above the limit is applied" contains "$work/s5.txt" "fill"
"$ose" inspect --engine "$name" status >"$work/status.txt"
check "inspect status counts FILL_PRICE_OUTSIDE_LIMIT" \
  contains "$work/status.txt" "FILL_PRICE_OUTSIDE_LIMIT=1"

kill -TERM "$pid"
wait "$pid"
code=$?
pid=""
check "SIGTERM stops the engine with exit 0" test "$code" -eq 0

finish "$work/engine.log"
