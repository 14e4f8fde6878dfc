"""What `ose fleet VIEW --json` must show, worked out here from each engine's own `ose inspect
--json` and its config with exact decimals, and compared with what it shows.

Usage: fleet_sums.py VIEW FLEET_JSON ENGINE_PATH... (ENGINE_PATH.json is the engine's inspect
--json, ENGINE_PATH.toml its config; the engine's name is the path's last part).
Rules (DESIGN.md §4): positions and balances add field by field per symbol / asset; an open
order is one whose status is not terminal, and adds its qty − filled_qty on its side; PnL is
counted in the instrument's settle asset (inverse: the base asset unless the config names one,
otherwise the quote), per engine from its account positions, per strategy from its strategy
positions.
"""
import json
import sys
import tomllib
from decimal import Decimal

TERMINAL = {"filled", "cancelled", "rejected", "expired"}
PNL = ("realized_pnl", "unrealized_pnl", "fees")


def settle_of(config):
    out = {}
    for i in config["instruments"]:
        default = i["base"] if i["kind"] == "inverse" else i["quote"]
        out[i["symbol"]] = i.get("settle", default)
    return out


def add(table, key, fields):
    t = table.setdefault(key, {})
    for f, v in fields.items():
        t[f] = t.get(f, Decimal(0)) + Decimal(v)


def expected(view, state, config):
    """{table name: {key tuple: {field: Decimal}}} for one engine."""
    tables = {}
    if view == "positions":
        skip = {"symbol", "account", "leverage", "avg_entry_price", "liquidation_price"}
        for row in state["positions"]:
            add(tables.setdefault("by_symbol", {}), (row["symbol"],),
                {f: v for f, v in row.items() if f not in skip})
    elif view == "balances":
        for row in state["balances"]:
            add(tables.setdefault("by_asset", {}), (row["asset"],),
                {f: row[f] for f in ("free", "locked", "total")})
    elif view == "orders":
        t = tables.setdefault("by_symbol", {})
        for o in state["orders"]:
            if o["status"] in TERMINAL:
                continue
            rest = Decimal(o["qty"]) - Decimal(o["filled_qty"])
            buy = o["side"] == "buy"
            add(t, (o["symbol"],), {"orders": 1, "buy_orders": int(buy), "sell_orders": int(not buy),
                                    "buy_qty": rest if buy else 0, "sell_qty": 0 if buy else rest})
    elif view == "pnl":
        settle = settle_of(config)
        for row in state["positions"]:
            add(tables.setdefault("by_asset", {}), (settle[row["symbol"]],),
                {f: row[f] for f in PNL})
        for row in state["strategy_positions"]:
            add(tables.setdefault("by_strategy", {}), (row["strategy"], settle[row["symbol"]]),
                {f: row[f] for f in PNL})
    return tables


def as_table(rows, key):
    return {tuple(r[k] for k in key): {f: Decimal(str(v)) for f, v in r.items() if f not in key}
            for r in rows}


def same(what, got, want):
    assert set(got) == set(want), (what, sorted(got), sorted(want))
    for k, fields in want.items():
        for f, v in fields.items():
            assert got[k][f] == v, (what, k, f, got[k][f], v)
    return sum(v != 0 for fields in want.values() for v in fields.values())


def main():
    view, fleet_path, *engine_paths = sys.argv[1:]
    fleet = json.load(open(fleet_path))
    keys = {"by_symbol": ("symbol",), "by_asset": ("asset",), "by_strategy": ("strategy", "asset")}
    assert len(fleet["engines"]) == len(engine_paths), fleet["engines"].keys()
    total = {}
    nonzero = 0
    for p in engine_paths:
        state = json.load(open(p + ".json"))
        config = tomllib.load(open(p + ".toml", "rb"))
        name = p.rsplit("/", 1)[1]
        got = fleet["engines"][name]
        assert got["seq"] == state["seq"] and got["state_hash"] == state["state_hash"], name
        for table, want in expected(view, state, config).items():
            nonzero += same((name, table), as_table(got[table], keys[table]), want)
            for k, fields in want.items():
                add(total.setdefault(table, {}), k, fields)
    for i, (table, want) in enumerate(total.items()):
        rows = fleet["total" if i == 0 else "total_" + table]
        nonzero += same(("total", table), as_table(rows, keys[table]), want)
    assert nonzero > 0, "every figure is zero: the test would prove nothing"


main()
