"""Every reject a strategy client can provoke comes back as data (a REJECTED response with the
reason's DESIGN §8 name), never as an exception. Expected reasons are worked out from
config/example.toml and the check order of DESIGN §5; the engine here has no venue, so orders
stay pending_new, and client mm1 has rate_limit = 1."""

from __future__ import annotations

import ose

R = ose.RejectReason


def answer(c: ose.Client, request: int) -> ose.Response:
    for r in c.until_last(request, timeout=5):
        if r.request == request and r.type == ose.EventType.REJECTED:
            return r
    raise AssertionError(f"request {request} was not rejected")


def reason_of(c: ose.Client, **order) -> ose.RejectReason:
    return answer(c, c.new_order(**order)).reject_reason


def test_rejects_come_back_with_their_names(bare_engine):
    e = bare_engine
    btc = dict(symbol="BTCUSDT", side="buy")
    eth = dict(symbol="ETHUSDT")
    got, want = {}, {}
    with ose.Client.attach(e.name, "ema1") as c:
        # Before any ETHUSDT tick: a market order has nothing to be valued at.
        want["NO_MARKET_DATA"] = R.NO_MARKET_DATA
        got["NO_MARKET_DATA"] = reason_of(c, **eth, side="buy", type="market", qty="1")
        e.tick("BTCUSDT", "29990", "30010", "30000")
        e.tick("ETHUSDT", "1999", "2001", "2000")
        cases = {
            # limit order without a price
            "MALFORMED": (R.MALFORMED, dict(**btc, qty="0.01")),
            # ema1 may act for account main only
            "ACCOUNT_NOT_PERMITTED": (R.ACCOUNT_NOT_PERMITTED,
                                      dict(**btc, account="futures", qty="0.01", price="30000")),
            # min_qty 0.00001
            "QTY_BELOW_MIN": (R.QTY_BELOW_MIN, dict(**btc, qty="0.000001", price="30000")),
            # max_qty 9000
            "QTY_ABOVE_MAX": (R.QTY_ABOVE_MAX, dict(**btc, qty="9001", price="30000")),
            # step 0.00001
            "QTY_STEP": (R.QTY_STEP, dict(**btc, qty="0.000015", price="30000")),
            # tick 0.01
            "PRICE_TICK": (R.PRICE_TICK, dict(**btc, qty="0.01", price="30000.005")),
            # |40000 − 30000| / 30000 > band 0.05
            "PRICE_BAND": (R.PRICE_BAND, dict(**btc, qty="0.01", price="40000")),
            # 0.0001 × 30000 = 3 < min_notional 5
            "MIN_NOTIONAL": (R.MIN_NOTIONAL, dict(**btc, qty="0.0001", price="30000")),
            # 2 × 30000 = 60000 > ema1's max_order_notional 50000
            "MAX_ORDER_NOTIONAL": (R.MAX_ORDER_NOTIONAL, dict(**btc, qty="2", price="30000")),
            # 11 ETH > ema1's max_position 10 (notional 22000 is within limits)
            "MAX_POSITION": (R.MAX_POSITION, dict(**eth, side="buy", qty="11", price="2000")),
            # reduce_only with no position to reduce
            "REDUCE_ONLY": (R.REDUCE_ONLY, dict(**eth, side="sell", qty="0.01", price="2000",
                                                reduce_only=True)),
            # sell 9 ETH: account main holds 5
            "INSUFFICIENT_BALANCE": (R.INSUFFICIENT_BALANCE,
                                     dict(**eth, side="sell", qty="9", price="2000")),
        }
        for name, (reason, order) in cases.items():
            want[name] = reason
            got[name] = reason_of(c, **order)

        # A cl_id the client still holds (the MALFORMED order above is stored with its cl_id).
        c.new_order(**btc, qty="0.001", price="29000", cl_id=77)
        want["DUPLICATE_CLIENT_ORDER_ID"] = R.DUPLICATE_CLIENT_ORDER_ID
        got["DUPLICATE_CLIENT_ORDER_ID"] = reason_of(c, **btc, qty="0.001", price="29000",
                                                     cl_id=77)
        # Cancels: of an order never placed, and of a terminal (rejected) one.
        want["UNKNOWN_ORDER"] = R.UNKNOWN_ORDER
        got["UNKNOWN_ORDER"] = answer(c, c.cancel(123456789)).reject_reason
        c.new_order(**btc, qty="0.000001", price="30000", cl_id=78)  # QTY_BELOW_MIN: terminal
        want["NOT_CANCELABLE"] = R.NOT_CANCELABLE
        got["NOT_CANCELABLE"] = answer(c, c.cancel(78)).reject_reason

        # ema1's max_open_orders is 50: one is open already (cl_id 77); 49 more, then one over.
        for _ in range(49):
            c.new_order(**btc, qty="0.001", price="29000")
        want["MAX_OPEN_ORDERS"] = R.MAX_OPEN_ORDERS
        got["MAX_OPEN_ORDERS"] = reason_of(c, **btc, qty="0.001", price="29000")
        c.cancel_all(account="main")

    with ose.Client.attach(e.name, "mm1") as c:  # rate_limit = 1 order per second
        first = c.new_order(**btc, qty="0.001", price="29000", strategy="mm1")
        assert all(r.type != ose.EventType.REJECTED for r in c.until_last(first))
        want["RATE_LIMITED"] = R.RATE_LIMITED
        got["RATE_LIMITED"] = reason_of(c, **btc, qty="0.001", price="29000", strategy="mm1")
        c.cancel_all()

    assert got == want
    # The reasons are the DESIGN §8 words, as str.
    assert got["MIN_NOTIONAL"] == "MIN_NOTIONAL" and got["MIN_NOTIONAL"].value == "MIN_NOTIONAL"
