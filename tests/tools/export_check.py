#!/usr/bin/env python3
"""Checks an `ose export` database against the canonical state JSON of the same journal at the
same seq (DESIGN §8, from `ose replay --state-out` or `ose inspect --json`), independently of the
exporter: every orders, positions, strategy_positions, balances and strategy_stats row equals the
JSON's, the ledger sums to the balances, and the trades sum to the orders and strategy stats.

Usage: export_check.py DB ENGINE STATE_JSON
  DB: an SQLite file, or a postgresql:// URI (read with psql --csv).
Prints one line per check; exits 1 if any failed."""
import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal

db, engine, state_path = sys.argv[1:4]
state = json.load(open(state_path))
failures = 0


def check(what, ok, detail=""):
    global failures
    print(("ok   - " if ok else "FAIL - ") + what + ("" if ok else ": " + str(detail)))
    if not ok:
        failures += 1


def rows(sql):
    """The query's rows as dicts of text (SQL NULL and '' both as None)."""
    if db.startswith("postgres"):
        out = subprocess.run(["psql", db, "--csv", "-c", sql], check=True, capture_output=True,
                             text=True).stdout
        return [{k: (v if v != "" else None) for k, v in r.items()}
                for r in csv.DictReader(io.StringIO(out))]
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = [{k: (None if r[k] is None or r[k] == "" else str(r[k])) for k in r.keys()}
           for r in con.execute(sql)]
    con.close()
    return out


def dec(v):
    return Decimal(v) if v is not None else None


def same(a, b):
    """A JSON value and a database text compare equal (decimals by value, None ~ '')."""
    if a is None or a == "":
        return b is None
    if b is None:
        return False
    if isinstance(a, bool):
        return int(a) == int(b)
    if isinstance(a, int):
        return a == int(b)
    try:
        return Decimal(a) == Decimal(b)
    except Exception:
        return str(a) == b


def compare(what, want_rows, got_rows, key, fields):
    got = {tuple(r[k] for k in key[1]): r for r in got_rows}
    check(f"{what}: as many rows as the state JSON ({len(want_rows)})",
          len(got) == len(want_rows), f"{len(got)} in the database")
    bad = []
    for w in want_rows:
        k = tuple(str(w[j]) for j in key[0])
        g = got.get(k)
        if g is None:
            bad.append(f"{k} missing")
            continue
        for jf, df in fields:
            if not same(w.get(jf), g.get(df)):
                bad.append(f"{k}.{jf}: json {w.get(jf)!r} db {g.get(df)!r}")
    check(f"{what}: every row equals the state JSON's", not bad, bad[:5])


e = f"engine = '{engine}'"
st = rows(f"SELECT last_seq, state_hash FROM ose_export_state WHERE {e}")
check("ose_export_state is at the JSON's seq", st and int(st[0]["last_seq"]) == state["seq"], st)
check("  with its state hash", st and st[0]["state_hash"] == state["state_hash"], st)

order_fields = [(f, f) for f in ["client", "cl_id", "account", "strategy", "symbol", "side", "type",
                                 "tif", "status", "qty", "price", "stop_price", "filled_qty",
                                 "avg_fill_price", "fees", "fee_asset", "reject_reason",
                                 "venue_order_id", "post_only", "reduce_only", "linked_id",
                                 "created_ts", "updated_ts"]]
order_fields = [(j, d if d not in ("created_ts", "updated_ts") else d + "_ns")
                for j, d in order_fields]
db_orders = rows(f"SELECT * FROM orders WHERE {e}")
ids = {str(o["id"]) for o in state["orders"]}
compare("orders", state["orders"], [r for r in db_orders if r["order_id"] in ids],
        (["id"], ["order_id"]), order_fields)
check("  no order of the database is unknown to the journal's ids",
      len(db_orders) >= len(state["orders"]), len(db_orders))

pos_fields = [(f, f) for f in ["size", "avg_entry_price", "realized_pnl", "unrealized_pnl", "fees",
                               "margin", "liquidation_price", "open_buy_qty", "open_sell_qty"]]
compare("positions", state["positions"], rows(f"SELECT * FROM positions WHERE {e}"),
        (["account", "symbol"], ["account", "symbol"]), pos_fields + [("leverage", "leverage")])
compare("strategy_positions", state["strategy_positions"],
        rows(f"SELECT * FROM strategy_positions WHERE {e}"),
        (["strategy", "symbol"], ["strategy", "symbol"]), pos_fields)
compare("balances", state["balances"], rows(f"SELECT * FROM balances WHERE {e}"),
        (["account", "asset"], ["account", "asset"]),
        [("free", "free"), ("locked", "locked"), ("total", "total")])
compare("strategy_stats", state["strategies"], rows(f"SELECT * FROM strategy_stats WHERE {e}"),
        (["name"], ["strategy"]),
        [(f, f) for f in ["state", "open_orders", "orders", "fills", "volume", "fees",
                          "realized_pnl", "net_pnl", "wins", "losses", "peak_equity",
                          "max_drawdown", "day_trades"]])

# The ledger: Σ amount per (account, asset) is the balance's total, and so is the last entry's
# balance_after; each entry's balance_after is the previous one's plus its amount.
ledger = rows(f"SELECT * FROM transactions WHERE {e}")
ledger.sort(key=lambda r: int(r["entry_no"]))
check("transactions are numbered 1..n without a gap",
      [int(r["entry_no"]) for r in ledger] == list(range(1, len(ledger) + 1)), len(ledger))
sums = defaultdict(Decimal)
chain_bad = []
for r in ledger:
    k = (r["account"], r["asset"])
    sums[k] += dec(r["amount"])
    if sums[k] != dec(r["balance_after"]):
        chain_bad.append((r["entry_no"], str(sums[k]), r["balance_after"]))
check("each transaction's balance_after = Σ amounts up to it", not chain_bad, chain_bad[:3])
sum_bad = [(b["account"], b["asset"], b["total"], str(sums[(b["account"], b["asset"])]))
           for b in state["balances"] if sums[(b["account"], b["asset"])] != Decimal(b["total"])]
check("Σ transactions = the final balance, per account and asset", not sum_bad, sum_bad)

# Trades: per order, Σ qty = filled_qty; per strategy, the count is its fills and Σ fee_settle,
# Σ realized_pnl are its fees and realized PnL.
trades = rows(f"SELECT * FROM trades WHERE {e}")
by_order = defaultdict(Decimal)
by_strategy = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
for t in trades:
    by_order[t["order_id"]] += dec(t["qty"])
    s = by_strategy[t["strategy"]]
    s[0] += 1
    s[1] += dec(t["fee_settle"])
    s[2] += dec(t["realized_pnl"])
bad = [(o["id"], o["filled_qty"], str(by_order[str(o["id"])])) for o in state["orders"]
       if by_order[str(o["id"])] != Decimal(o["filled_qty"])]
check("Σ trades.qty per order = its filled_qty", not bad, bad[:5])
bad = []
for s in state["strategies"]:
    n, fees, pnl = by_strategy[s["name"]]
    if (n, fees, pnl) != (s["fills"], Decimal(s["fees"]), Decimal(s["realized_pnl"])):
        bad.append((s["name"], n, str(fees), str(pnl), s["fills"], s["fees"], s["realized_pnl"]))
check("trades per strategy: count = fills, Σ fee_settle = fees, Σ realized_pnl = realized PnL",
      not bad, bad)

print(f"{failures} check(s) failed" if failures else "export matches the state JSON")
sys.exit(1 if failures else 0)
