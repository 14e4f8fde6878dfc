"""Reading state through the module: snapshots (numpy, one seq), to_pandas, lookups, live
views that refuse writes, and the event tail with its overrun marker."""

from __future__ import annotations

import json
import random
import subprocess
import threading
from decimal import Decimal

import numpy as np
import pytest

import ose
from conftest import OSE

E = ose.EventType


def stream_orders(engine, stop: threading.Event, placed: list) -> None:
    """A random stream of orders from client mm1 that the venue fills, rests or cancels."""
    rnd = random.Random(7)
    with ose.Client.attach(engine.name, "mm1") as c:
        while not stop.is_set():
            side = rnd.choice(["buy", "sell"])
            price = 30010 + rnd.randint(-40, 40) if side == "buy" else 29990 + rnd.randint(-40, 40)
            req = c.new_order(symbol="BTCUSDT", side=side, qty=f"0.00{rnd.randint(1, 9)}",
                              price=str(price), tif=rnd.choice(["gtc", "ioc"]))
            placed.append(c.last_cl_id)
            if rnd.random() < 0.3:
                req = c.cancel(rnd.choice(placed))
            c.until_last(req)  # paced by the engine: the command ring never fills
        c.until_last(c.cancel_all())


def test_snapshots_under_load_satisfy_row_invariants(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    stop, placed = threading.Event(), []
    t = threading.Thread(target=stream_orders, args=(engine, stop, placed))
    t.start()
    try:
        r = ose.Reader.attach(engine.name)
        seqs = []
        # At least 200 snapshots, and while the stream places 50 orders (a snapshot can take
        # less time than an order's round trip through the venue).
        while len(seqs) < 200 or (len(placed) <= 50 and len(seqs) < 1_000_000):
            s = r.snapshot(("orders", "balances", "accounts"))
            seqs.append(s.seq)
            o = s.orders
            assert o.seq == s.seq and isinstance(o, ose.Table)
            assert (o["filled_qty"] >= 0).all() and (o["filled_qty"] <= o["qty"]).all()
            assert (o["id"] != 0).all()
            spot = s.accounts["type"] == list(ose.AccountType).index(ose.AccountType.SPOT)
            assert (s.balances[spot]["free"] >= 0).all()
            assert (s.balances["locked"] >= 0).all()
    finally:
        stop.set()
        t.join()
    assert seqs == sorted(seqs) and seqs[-1] > seqs[0]  # it did run under a moving engine
    assert len(placed) > 50


def inspect_json(engine) -> dict:
    out = subprocess.run([OSE, "inspect", "--engine", engine.name, "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_snapshot_rows_agree_with_ose_inspect_at_the_same_seq(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    with ose.Client.attach(engine.name, "mm1") as c:
        c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.002", price="29500"))
    r = ose.Reader.attach(engine.name)
    for _ in range(20):  # the venue may still be answering: take both at one seq
        snap = r.snapshot()
        js = inspect_json(engine)
        if js["seq"] == snap.seq == r.seq:
            break
    assert js["seq"] == snap.seq
    orders = snap.orders.to_pandas().set_index("id")
    assert sorted(orders.index) == [o["id"] for o in js["orders"]]
    for o in js["orders"]:
        row = orders.loc[o["id"]]
        for k in ("status", "side", "type", "tif"):
            assert row[k] == o[k]
        for k in ("qty", "price", "filled_qty", "avg_fill_price", "fees"):
            assert row[k] == Decimal(o[k]), k
        assert (row["symbol"], row["account"], row["cl_id"]) == (o["symbol"], o["account"],
                                                                 o["cl_id"])
    bal = snap.balances.to_pandas().set_index(["account", "asset"])
    for b in js["balances"]:
        assert bal.loc[(b["account"], b["asset"]), "free"] == Decimal(b["free"])
        assert bal.loc[(b["account"], b["asset"]), "locked"] == Decimal(b["locked"])
    # The raw int64 columns are the same amounts in 1e-8 units.
    raw = snap.balances.to_pandas(money="e8").set_index(["account", "asset"])
    usdt = raw.loc[("main", "USDT"), "free"]
    assert Decimal(int(usdt)) / ose.MONEY_SCALE == bal.loc[("main", "USDT"), "free"]


def test_lookups(engine):
    r = ose.Reader.attach(engine.name)
    b = r.balance("main", "ETH")
    assert isinstance(b.free, Decimal) and b.free + b.locked == Decimal("5")
    p = r.position("main", "BTCUSDT")
    assert isinstance(p.size, Decimal) and (p.account, p.symbol) == ("main", "BTCUSDT")
    assert r.ticker("BTCUSDT").mark == Decimal("30000")
    assert r.order(12345) is None
    with pytest.raises(KeyError, match="unknown asset 'XRP'"):
        r.balance("main", "XRP")
    with pytest.raises(ValueError, match="no table 'trades'"):
        r.live_view("trades")


def test_live_view_is_read_only_and_zero_copy(engine):
    r = ose.Reader.attach(engine.name)
    v = r.live_view("balances")
    assert not v.flags.writeable and not v.flags.owndata
    with pytest.raises(ValueError, match="read-only"):
        v["free"][0, 0] = 1
    with pytest.raises(ValueError):
        v.flags.writeable = True
    with pytest.raises(ValueError):
        v.setflags(write=True)
    assert v.shape == (len(r.names["accounts"]), len(r.names["assets"]))
    orders = r.live_view("orders")
    assert orders.dtype == ose._ose.table_info("orders")[0]
    del r  # the view keeps the mapping alive
    assert int(orders["id"].max()) > 0


def test_dtypes_cover_the_records(engine):
    # The dtype's itemsize is the record's: every byte of it is a listed field.
    dtype, money, enums = ose._ose.table_info("orders")
    assert dtype.itemsize == 192
    assert {"qty", "price", "filled_qty", "fees"} <= set(money)
    assert enums["status"] is ose.OrderStatus and enums["side"] is ose.Side


def test_events_tail_from_now(engine):
    r = ose.Reader.attach(engine.name)
    tail = r.events()
    assert tail.poll() is None
    with ose.Client.attach(engine.name, "mm1") as c:
        c.new_order(symbol="BTCUSDT", side="buy", qty="0.000001", price="30000")
        cl = c.last_cl_id
    e = tail.wait(timeout=2)
    assert isinstance(e, ose.Event) and e.cl_id == cl and e.type == E.REJECTED
    assert e.reject_reason == ose.RejectReason.QTY_BELOW_MIN and e.client == "mm1"


def test_events_overrun_is_reported(bare_engine):
    r = ose.Reader.attach(bare_engine.name)
    tail = r.events()
    with ose.Client.attach(bare_engine.name, "ema1") as c:  # the ring holds 16 events
        for _ in range(40):
            req = c.new_order(symbol="BTCUSDT", side="buy", qty="0.000001", price="30000")
        c.until_last(req)
    first = tail.poll()
    assert isinstance(first, ose.Overrun) and first.lost > 0
    rest = []
    while (e := tail.poll()) is not None:
        rest.append(e)
    assert rest and all(isinstance(e, ose.Event) for e in rest)
    assert first.lost + len(rest) == 40


def test_pandas_names_and_enums(engine):
    df = ose.Reader.attach(engine.name).positions().to_pandas()
    assert set(df["account"]) == {"main", "futures"}
    assert "BTCUSDT" in set(df["symbol"]) and "reserved" not in df.columns
    m = ose.Reader.attach(engine.name).market().to_pandas().set_index("symbol")
    assert m.loc["BTCUSDT", "bid"] == Decimal("29990")
    st = ose.Reader.attach(engine.name).strategies().to_pandas()
    assert list(st["name"]) == ["ema1", "mm1", "perp1"]
    assert st["state"][0] == ose.StrategyState.RUNNING and st["account"][0] == "main"
    assert np.issubdtype(ose.Reader.attach(engine.name).orders()["qty"].dtype, np.int64)


def test_events_since_a_seq(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        first = c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.000001",
                                         price="30000"))[-1]
        c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.000002", price="30000"))
    tail = ose.Reader.attach(engine.name).events(since_seq=first.seq)
    seen = []
    while (e := tail.poll()) is not None:
        seen.append(e)
    assert seen[0].seq == first.seq and seen[0].cl_id == first.cl_id
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)
    assert seen[-1].qty == Decimal("0.000002")
