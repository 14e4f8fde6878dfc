#!/usr/bin/env bash
# `ose replay` and `ose demo --scenario` as a user runs them: exit codes, messages, output files.
# Usage: replay_cli.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"

# Help on every command.
check "ose --help exits 0" "$ose" --help >/dev/null
check "ose replay --help exits 0" "$ose" replay --help >/dev/null
check "ose demo --help exits 0" "$ose" demo --help >/dev/null
"$ose" >/dev/null 2>&1; check "ose without a command exits non-zero" test $? -ne 0

# Every bundled scenario replays without a malformed line (but the one meant to have them).
for f in "$src"/config/scenarios/*.jsonl; do
  [ "$(basename "$f")" = malformed.jsonl ] && continue
  check "$(basename "$f") replays strictly" "$ose" replay --strict -q "$src/config/example.toml" "$f"
done

# String venue ids (DESIGN §4, §8): kept and shown as sent. venue_ids.jsonl acks a 0.1 buy as
# OQCLML-BW3P3-BUCMWZ and fills it 0.04 + 0.03 + 0.02 + 0.01 by a UUID, a Kraken-style id, a
# 30-digit id and the JSON integer 9001; the Kraken id's repeat (before 9001) is a duplicate.
"$ose" replay --strict "$src/config/example.toml" "$src/config/scenarios/venue_ids.jsonl" \
  --state-out "$work/ids_state.json" --events-out "$work/ids_events.jsonl" >/dev/null
check "a scenario with string ids replays strictly" test $? -eq 0
check "the order keeps its venue order id" contains "$work/ids_state.json" '"venue_order_id": "OQCLML-BW3P3-BUCMWZ"'
check "  and is filled (0.04 + 0.03 + 0.02 + 0.01)" contains "$work/ids_state.json" '"filled_qty": "0.1"'
for id in 3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f TCWJEG-FL4SZ-3FKGH6 123456789012345678901234567890 9001; do
  check "a fill event shows trade id $id as sent" contains "$work/ids_events.jsonl" "\"trade_id\":\"$id\""
done
check "the ack event shows the venue order id" contains "$work/ids_events.jsonl" '"venue_order_id":"OQCLML-BW3P3-BUCMWZ"'
check "the repeated trade id is a duplicate" contains "$work/ids_events.jsonl" '"reason":"DUPLICATE_TRADE"'
check "four fills, no more" test "$(grep -c '"type":"fill"' "$work/ids_events.jsonl")" -eq 4
printf '%s\n' '{"op":"fill","client":"ema1","cl_id":1,"trade_id":"'"$(printf 'x%.0s' $(seq 49))"'","qty":"1","price":"1"}' >"$work/long_id.jsonl"
"$ose" replay --strict "$src/config/example.toml" "$work/long_id.jsonl" >/dev/null 2>"$work/long_id.err"
check "a 49-byte trade id fails a strict replay" test $? -ne 0
check "  with its line and the limit" contains "$work/long_id.err" 'long_id.jsonl:1: rejected line: field "trade_id" is 49 bytes long; venue ids are at most 48 bytes'

# Outputs: canonical state JSON and events JSONL.
"$ose" replay "$src/config/example.toml" "$src/config/scenarios/demo.jsonl" \
  --state-out "$work/state.json" --events-out "$work/events.jsonl" >"$work/summary.txt"
check "replay writes the state JSON" contains "$work/state.json" '"state_hash"'
check "state JSON has every section" bash -c "for k in balances orders positions strategy_positions strategies market seq; do grep -q \"\\\"\$k\\\"\" '$work/state.json' || exit 1; done"
check "events JSONL has one object per line" bash -c "! grep -vq '^{.*}\$' '$work/events.jsonl'"
check "events carry seq, ts and type" contains "$work/events.jsonl" '"type":"fill"'
check "summary prints the state hash" contains "$work/summary.txt" "state_hash"
hash1=$(grep -o 'state_hash [0-9a-f]*' "$work/summary.txt")
hash2=$("$ose" replay "$src/config/example.toml" "$src/config/scenarios/demo.jsonl" | grep -o 'state_hash [0-9a-f]*')
check "the same scenario gives the same hash" test "$hash1" = "$hash2"
check "state JSON hash matches the summary" contains "$work/state.json" "\"state_hash\": \"${hash1#state_hash }\""

# Malformed lines: reported with their line numbers, the rest applied, never a crash.
"$ose" replay "$src/config/example.toml" "$src/config/scenarios/malformed.jsonl" \
  >"$work/out.txt" 2>"$work/err.txt"
check "malformed lines do not fail a lenient replay" test $? -eq 0
check "a bad decimal is reported with its line" contains "$work/err.txt" "malformed.jsonl:3: rejected line: field \"amount\""
check "bad JSON is reported with its line" contains "$work/err.txt" "malformed.jsonl:4: rejected line: not valid JSON"
check "an unknown op is reported" contains "$work/err.txt" "malformed.jsonl:5: rejected line: unknown op 'teleport'"
check "an unknown field is reported" contains "$work/err.txt" "unknown field \"colour\""
check "good lines around bad ones are applied" contains "$work/out.txt" "replayed 2 inputs"
"$ose" replay --strict -q "$src/config/example.toml" "$src/config/scenarios/malformed.jsonl" 2>/dev/null
check "--strict fails on malformed lines" test $? -eq 3

# Bad arguments and bad config: clear errors, non-zero exit.
"$ose" replay "$work/nope.toml" "$src/config/scenarios/demo.jsonl" 2>"$work/err2.txt"
check "a missing config fails" test $? -ne 0
check "a missing config is named" contains "$work/err2.txt" "nope.toml"
printf '[[assets]]\ncode = "USDT"\n[[instruments]]\nsymbol = "X"\nbase = "BTC"\nquote = "USDT"\ntick_size = "0.01"\nstep_size = "1"\n' >"$work/bad.toml"
"$ose" replay "$work/bad.toml" "$src/config/scenarios/demo.jsonl" 2>"$work/err3.txt"
check "a bad config fails" test $? -ne 0
check "a bad config names file, line and key" contains "$work/err3.txt" "bad.toml:5: instruments.base: unknown asset 'BTC'"
"$ose" replay "$src/config/example.toml" "$work/missing.jsonl" 2>"$work/err4.txt"
check "a missing input is named" contains "$work/err4.txt" "missing.jsonl"
printf '\x00\xff\xfe garbage \x01\n{"op":\n' >"$work/garbage.jsonl"
"$ose" replay "$src/config/example.toml" "$work/garbage.jsonl" >/dev/null 2>&1
check "binary garbage input does not crash" test $? -eq 0

# The scripted demo (the live one is tests/tools/demo_cli.sh).
"$ose" demo --scenario >"$work/demo.txt"
check "demo --scenario exits 0" test $? -eq 0
check "demo --scenario prints orders, positions and balances" bash -c "grep -q '^Orders' '$work/demo.txt' && grep -q '^Positions' '$work/demo.txt' && grep -q '^Balances' '$work/demo.txt'"
"$ose" demo --scenario-json >"$work/demo.json" 2>/dev/null
check "demo --scenario-json prints the state JSON" contains "$work/demo.json" '"state_hash"'

finish
