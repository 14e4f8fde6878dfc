"""Order entry through the module against a live engine and the simulated venue: place, ack,
fill, cancel; exact decimals both ways; floats refused; names resolved or refused."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import ose

E = ose.EventType


def collect(c: ose.Client, done, timeout: float = 5.0) -> list:
    """Responses until done(response) is true (that one included)."""
    out = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.wait(timeout=0.1)
        if r is None:
            continue
        out.append(r)
        if done(r):
            return out
    raise AssertionError(f"timed out; saw {out}")


def test_place_ack_fill(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    with ose.Client.attach(engine.name, "ema1") as c:
        req = c.new_order(symbol="BTCUSDT", side=ose.Side.BUY, qty="0.01", price="30020")
        cl = c.last_cl_id
        seen = collect(c, lambda r: r.cl_id == cl and r.status == ose.OrderStatus.FILLED)
    mine = [r for r in seen if r.cl_id == cl]
    assert mine[0].request == req and mine[0].type == E.ACCEPTED
    assert mine[0].status == ose.OrderStatus.PENDING_NEW
    assert mine[0].symbol == "BTCUSDT" and mine[0].account == "main" and mine[0].strategy == "ema1"
    assert [r.type for r in mine] == [E.ACCEPTED, E.ACKED, E.FILL]
    fill = mine[-1]
    # A marketable limit fills at the ask as taker (the simulated venue's rule): 0.01 × 30010,
    # fee 0.001 × 300.10 = 0.3001 USDT.
    assert (fill.qty, fill.price, fill.fee) == (Decimal("0.01"), Decimal("30010"),
                                                Decimal("0.3001"))
    assert fill.fee_asset == "USDT" and fill.liquidity == ose.Liquidity.TAKER
    assert isinstance(fill.trade_id, str) and fill.trade_id
    assert fill.reject_reason is None
    with ose.Reader.attach(engine.name) as r:
        o = r.order(fill.order_id)
    assert o.status == ose.OrderStatus.FILLED and o.cl_id == cl
    assert (o.filled_qty, o.avg_fill_price, o.symbol) == (Decimal("0.01"), Decimal("30010"),
                                                          "BTCUSDT")


def test_place_then_cancel(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    with ose.Client.attach(engine.name, "mm1") as c:
        c.new_order(symbol="BTCUSDT", side="buy", qty="0.001", price="29000")  # rests
        cl = c.last_cl_id
        collect(c, lambda r: r.cl_id == cl and r.type == E.ACKED)
        req = c.cancel(cl)
        seen = collect(c, lambda r: r.cl_id == cl and r.type == E.CANCELLED)
    mine = [r for r in seen if r.cl_id == cl]
    assert mine[0].request == req and mine[0].type == E.CANCEL_REQUESTED
    assert mine[0].status == ose.OrderStatus.PENDING_CANCEL
    assert mine[-1].status == ose.OrderStatus.CANCELLED


def test_cancel_order_by_engine_id_and_amend(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    with ose.Client.attach(engine.name, "mm1") as c:
        c.new_order(symbol="BTCUSDT", side="sell", qty="0.001", price="31000")
        cl = c.last_cl_id
        acked = collect(c, lambda r: r.cl_id == cl and r.type == E.ACKED)[-1]
        c.amend(cl, price="31000.5")
        amended = collect(c, lambda r: r.cl_id == cl and r.type == E.AMENDED)[-1]
        assert amended.price == Decimal("31000.5") and amended.qty == Decimal("0.001")
        c.cancel_order(acked.order_id)
        collect(c, lambda r: r.order_id == acked.order_id and r.type == E.CANCELLED)


def test_decimals_round_trip_exactly(engine):
    engine.tick("ETHUSDT", "1999", "2001", "2000")
    with ose.Client.attach(engine.name, "mm1") as c:
        # The smallest amount the engine holds comes back as the same Decimal, for every way of
        # writing it that is exact.
        for price in ("0.00000001", Decimal("0.00000001"), Decimal("1E-8"),
                      Decimal("0.000000010")):
            req = c.new_order(symbol="ETHUSDT", side="buy", qty="1", price=price)
            r = collect(c, lambda x, req=req: x.request == req)[-1]
            assert r.price == Decimal("0.00000001") and str(r.price) == "1E-8"
            assert r.type == E.REJECTED  # far below the price band: what matters is the echo
        req = c.new_order(symbol="ETHUSDT", side="buy", qty=2, price="1999.99999999")
        r = collect(c, lambda x: x.request == req)[-1]
        assert (r.qty, r.price) == (Decimal(2), Decimal("1999.99999999"))


def test_float_refused_with_reason(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        with pytest.raises(TypeError, match="float 0.1 refused: a binary float cannot hold"):
            c.new_order(symbol="BTCUSDT", side="buy", qty=0.1, price="30000")
        with pytest.raises(TypeError, match="price: float"):
            c.new_order(symbol="BTCUSDT", side="buy", qty="0.1", price=30000.0)
        with pytest.raises(ValueError, match="at most 8 decimal places"):
            c.new_order(symbol="BTCUSDT", side="buy", qty="0.000000001", price="30000")
        with pytest.raises(TypeError, match="a bool is not an amount"):
            c.new_order(symbol="BTCUSDT", side="buy", qty=True, price="30000")
        assert c.poll() is None  # nothing was submitted


def test_unknown_names_raise_key_error_listing_known(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        with pytest.raises(KeyError, match="unknown symbol 'DOGEUSDT'.*BTCUSDT, ETHUSDT"):
            c.new_order(symbol="DOGEUSDT", side="buy", qty="1", price="1")
        with pytest.raises(KeyError, match="unknown account 'nope'.*main, futures"):
            c.new_order(account="nope", symbol="BTCUSDT", side="buy", qty="1", price="1")
        with pytest.raises(ValueError, match="not a Side; one of: buy, sell"):
            c.new_order(symbol="BTCUSDT", side="long", qty="1", price="1")


def test_generated_cl_ids_are_unique_and_increasing(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        a, b = c.next_cl_id(), c.next_cl_id()
        assert 0 < a < b


def test_closed_client_refuses(engine):
    c = ose.Client.attach(engine.name, "mm1")
    c.close()
    c.close()  # idempotent
    with pytest.raises(ose.ClientClosed):
        c.poll()


def test_asyncio_next_response(engine):
    import asyncio

    async def main():
        with ose.Client.attach(engine.name, "mm1") as c:
            req = c.new_order(symbol="BTCUSDT", side="buy", qty="0.000001", price="30000")
            async for r in c:
                if r.request == req:
                    return r

    r = asyncio.run(asyncio.wait_for(main(), 5))
    assert r.reject_reason == ose.RejectReason.QTY_BELOW_MIN
