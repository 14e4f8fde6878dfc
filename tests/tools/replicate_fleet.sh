#!/usr/bin/env bash
# `ose fleet` against a real nats-server on loopback: three engines replicate to it; the fleet
# view, rebuilt from their streams alone, lists every engine at its own seq and state hash, and
# its totals per instrument and per asset equal the sums, worked out here in Python with exact
# decimals, of the three engines' own `ose inspect --json`.
# Usage: replicate_fleet.sh PATH/TO/ose SOURCE_DIR
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/nats_lib.sh"
base="fl$$"
engines=("${base}a" "${base}b" "${base}c")
on_cleanup() { kill_all; for e in "${engines[@]}"; do rm -f /dev/shm/ose."$e".*; done; }

check "nats-server starts on loopback" start_nats
i=0
for name in "${engines[@]}"; do
  i=$((i + 1))
  sed -e "s/^name = \"demo\"/name = \"$name\"/" -e "s|^data_dir = .*|data_dir = \"$work/$name\"|" \
    "$src/config/example.toml" >"$work/config.toml"
  cp "$work/config.toml" "$work/$name.toml"
  check "engine $name starts" start_engine
  pids+=("$pid")
  pid=""
  "$ose" replicate --config "$work/$name.toml" --nats "$nats_url" -q 2>>"$work/rep.log" &
  pids+=($!)
  # The demo's fills make positions; random traffic on top makes each engine's different.
  "$ose" send --engine "$name" --client ops - <"$src/config/scenarios/demo.jsonl" >/dev/null 2>&1
  send_random "$i" $((50 * i))
  seq="$(applied_seq "$name")"
  check "... its stream catches up (seq $seq)" wait_acked "$name" "$seq"
  "$ose" inspect --engine "$name" --json >"$work/$name.json"
done

for view in positions balances; do
  "$ose" fleet --nats "$nats_url" "$view" --json >"$work/fleet_$view.json" 2>"$work/fleet.err"
  check "ose fleet $view --json" test $? -eq 0
  check "... equals the sum of the engines' inspect --json" python3 - "$view" "$work/fleet_$view.json" "${engines[@]/#/$work/}" <<'PY'
import json, sys
from decimal import Decimal
view, fleet_path, *engine_paths = sys.argv[1:]
key = "symbol" if view == "positions" else "asset"
fleet = json.load(open(fleet_path))
want = {}
for p in engine_paths:
    state = json.load(open(p + ".json"))
    name = p.rsplit("/", 1)[1]
    got = fleet["engines"][name]
    assert got["seq"] == state["seq"] and got["state_hash"] == state["state_hash"], (name, got["seq"], state["seq"])
    for row in state[view]:
        t = want.setdefault(row[key], {})
        for f, v in row.items():
            if f in (key, "account", "leverage", "avg_entry_price", "liquidation_price"):
                continue
            t[f] = t.get(f, Decimal(0)) + Decimal(v)
assert len(fleet["engines"]) == len(engine_paths), fleet["engines"].keys()
total = {r[key]: r for r in fleet["total"]}
assert set(total) == set(want), (set(total), set(want))
nonzero = 0
for k, fields in want.items():
    for f, v in fields.items():
        assert Decimal(total[k][f]) == v, (k, f, total[k][f], v)
        nonzero += v != 0
assert nonzero > 0, "every sum is zero: the test would prove nothing"
PY
done
"$ose" fleet --nats "$nats_url" >"$work/fleet.txt"
check "the text view lists the three engines" test "$(grep -c "^engine ${base}" "$work/fleet.txt")" -eq 3
finish "$work/fleet.err" "$work/rep.log" "$work/engine.log"
