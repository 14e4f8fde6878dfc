"""new_order(), poll() and wait() are plain CPython fastcall methods (python/src/fast_call.hpp),
not pybind11-dispatched: they must still take exactly the documented arguments, refuse the rest
with a TypeError saying which, and show their signature to help() and inspect. And
Reader.orders(out=...) copies into a caller's array, refusing one that cannot hold the rows."""

from __future__ import annotations

import inspect
from decimal import Decimal

import numpy as np
import pytest

import ose

POST_ONLY = 1  # OrderRecord.flags bit of a post-only order (kFlagPostOnly, engine/core/records.hpp)
KEYWORDS = ["account", "strategy", "symbol", "side", "type", "qty", "price", "tif", "stop_price",
            "callback_rate", "activation_price", "expire_ts", "post_only", "reduce_only",
            "stop_loss", "take_profit", "cl_id"]


def test_new_order_signature_is_visible():
    for cls in (ose.Client, ose.StrategyContext):
        params = inspect.signature(cls.new_order).parameters
        assert list(params) == ["self"] + KEYWORDS, cls
        assert all(params[k].kind == inspect.Parameter.KEYWORD_ONLY for k in KEYWORDS)
        assert params["type"].default == "limit" and params["tif"].default == "gtc"
        assert params["symbol"].default is inspect.Parameter.empty
    assert list(inspect.signature(ose.Client.wait).parameters) == ["self", "timeout", "mode"]


def test_new_order_refuses_bad_arguments(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        with pytest.raises(TypeError, match=r"new_order\(\) takes no positional arguments"):
            c.new_order("BTCUSDT", side="buy", qty="1", price="1")
        with pytest.raises(TypeError, match="unexpected keyword argument 'quantity'"):
            c.new_order(symbol="BTCUSDT", side="buy", qty="1", quantity="1")
        with pytest.raises(TypeError, match="missing required keyword argument: 'qty'"):
            c.new_order(symbol="BTCUSDT", side="buy", price="1")
        with pytest.raises(TypeError, match="missing required keyword argument: 'symbol'"):
            c.new_order(side="buy", qty="1", price="1")
        assert c.poll() is None  # nothing was submitted


def test_new_order_defaults_and_runtime_built_keywords(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    # Keys made at run time are not the interned constants a call site passes.
    kwargs = {"".join(["sym", "bol"]): "BTCUSDT", "si" + "de": "buy", "q" + "ty": "0.001",
              "pri" + "ce": "29000", "post" + "_only": 1}
    with ose.Client.attach(engine.name, "mm1") as c:
        accepted = c.until_last(c.new_order(**kwargs))[0]
        c.until_last(c.cancel(c.last_cl_id))
    assert accepted.type == ose.EventType.ACCEPTED
    o = ose.Reader.attach(engine.name).order(accepted.order_id)
    assert (o.type, o.tif) == (ose.OrderType.LIMIT, ose.Tif.GTC)
    assert (o.qty, o.price) == (Decimal("0.001"), Decimal("29000"))
    assert o.flags & POST_ONLY  # post_only=1: true as pybind11's bool conversion had it


def test_wait_arguments(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        # The venue's late confirmation of the previous test's cancel (an unsolicited response,
        # request 0) may still be on its way: let it arrive and pass, so the waits below time out.
        while c.wait(timeout=0.3) is not None:
            pass
        assert c.wait(0) is None  # timeout by position
        assert c.wait(0.001, "spin") is None
        assert c.wait(timeout=0, mode="yield") is None
        with pytest.raises(ValueError, match="mode: 'fast' is not one of park, yield, spin"):
            c.wait(0, mode="fast")
        with pytest.raises(TypeError, match="mode: expected str"):
            c.wait(0, mode=1)
        with pytest.raises(TypeError, match="unexpected keyword argument 'block'"):
            c.wait(block=True)
        with pytest.raises(TypeError, match="at most 2 positional arguments"):
            c.wait(0, "spin", 1)
        with pytest.raises(TypeError, match="got multiple values for argument 'timeout'"):
            c.wait(0, timeout=0)
        with pytest.raises(TypeError, match="takes no arguments"):
            c.poll(1)
        # A response already waiting is returned whatever the timeout.
        # Pass over any unsolicited response that still slips in before the answer.
        req = c.new_order(symbol="BTCUSDT", side="buy", qty="0.001", price="29000")
        r = None
        for _ in range(1000):
            r = c.wait(timeout=0.01, mode="spin")
            if r is not None and r.request == req:
                break
        assert r is not None and r.request == req
        c.until_last(c.cancel(c.last_cl_id))


def test_orders_into_a_reused_array(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    with ose.Client.attach(engine.name, "mm1") as c:
        for price in ("29000", "29100"):
            c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.001", price=price))
            c.until_last(c.cancel(c.last_cl_id))
    r = ose.Reader.attach(engine.name)
    buf = r.order_buffer()
    assert buf.shape == (r.order_capacity,) and buf.dtype == ose._ose.table_info("orders")[0]
    for _ in range(50):  # the venue may still be answering: compare at one quiet seq
        fresh = r.orders()
        into = r.orders(out=buf)
        if fresh.seq == into.seq:
            break
    assert into.seq == fresh.seq and into.consistent and into.table == "orders"
    assert into.tobytes() == fresh.tobytes() and len(into) >= 2
    assert np.shares_memory(into, buf)  # a view of the caller's array, no copy of it
    again = r.orders(out=buf)  # reused: the same rows again
    assert again.tobytes() == fresh.tobytes() or again.seq != fresh.seq
    with pytest.raises(ValueError, match=f"room for 1 rows, but {len(fresh)} order slots"):
        r.orders(out=buf[:1])
    with pytest.raises(ValueError, match="1-D, C-contiguous, writeable array of the orders"):
        r.orders(out=np.empty(len(buf), dtype=np.int64))
    with pytest.raises(ValueError, match="1-D, C-contiguous, writeable array of the orders"):
        r.orders(out=buf[::2])
    with pytest.raises(ValueError, match="expected a numpy array"):
        r.orders(out=[1, 2])


def test_decimals_of_a_money_column_are_exact_with_repeats_and_many_values():
    # 5000 distinct values (past the 4096 shared ones), each after a run of zeros and a repeat.
    e8 = np.array([v for k in range(5000) for v in (0, k * 100_000_001 - 7, 0, -k)],
                  dtype=np.int64)
    got = ose._ose.decimals(e8)
    want = [Decimal(int(v)).scaleb(-8) for v in e8]
    assert got == want and all(isinstance(d, Decimal) for d in got)
    assert got[5] == Decimal("0.99999994") and got[4 * 4999 + 1] == Decimal("4999.00004992")
