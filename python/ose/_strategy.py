"""Strategies written in Python, run by the same C++ drivers as a C++ strategy
(engine/client/strategy.hpp): live against a running engine (run_live) and in `ose backtest`'s
deterministic market-time simulation (backtest). See docs/PYTHON.md, "A strategy"."""

from __future__ import annotations

import json
import os
from typing import Iterable, Optional

from . import _ose
from ._client import Client
from ._state import Record, _record


class StrategyContext(_ose.StrategyContext):
    """What a strategy acts through, passed to every callback: the clock (now_ns: market time
    in a backtest, the wall clock live), order entry (new_order with ose.Client.new_order's
    arguments, cancel, cancel_all: each returns the request id, or 0 when it could not be sent
    now), next_cl_id(), set_timer(at_ns), and reads of the engine's state as ose.Record objects
    (money as decimal.Decimal). Valid only during the run that passed it."""

    def _record(self, table: str, row, **keys) -> Optional[Record]:
        return _record(table, row, self.names, **keys)

    def market(self, symbol: str) -> Optional[Record]:
        """The market row of `symbol` (bid, ask, last, mark, has_bid/has_ask/has_last, ts)."""
        return self._record("market", self._market(symbol), symbol=symbol)

    def order(self, order_id: int) -> Optional[Record]:
        """The order with this engine id, or None when its slot was reused or never used."""
        return self._record("orders", self._order(order_id))

    def strategy(self, strategy: Optional[str] = None) -> Optional[Record]:
        """The strategy's record (limits, state, open_orders, statistics); default: the one
        named like the strategy's client."""
        return self._record("strategies", self._strategy(strategy))

    def strategy_position(self, strategy: Optional[str], symbol: str) -> Optional[Record]:
        """The strategy's position in `symbol` (size, avg_entry_price, pnl ...); strategy None:
        the one named like the client."""
        return self._record("strategy_positions", self._strategy_position(strategy, symbol),
                            strategy=strategy, symbol=symbol)

    def balance(self, account: str, asset: str) -> Optional[Record]:
        """free and locked of (account, asset)."""
        return self._record("balances", self._balance(account, asset), account=account,
                            asset=asset)

    def instrument(self, symbol: str) -> Record:
        """The instrument's configuration (tick_size, step_size, min_qty, min_notional, kind,
        base, quote, settle ...), which never changes while the engine runs."""
        return self._record("instruments", self._instrument(symbol))


class Strategy(_ose.Strategy):
    """Subclass this and override the callbacks you need; the drivers call them, never
    re-entered, on one thread:

        on_start(ctx)                    once, first. Return None to run, or a str saying why
                                         the strategy cannot (the driver stops).
        on_market(ctx, symbol, market)   the market of a watched symbol changed (market: an
                                         ose.Record of the market row).
        on_response(ctx, response)       an ose.Response to one of this client's commands
                                         (request > 0) or about one of its orders (request 0:
                                         acks, fills, expiries, triggers).
        on_timer(ctx)                    the time set with ctx.set_timer() came.
        on_stop(ctx)                     once, last.

    Decide only from what these calls bring (not the wall clock, not a random source of your
    own): then a backtest is reproducible, and the same code trades live.

    A backtest's results row names the strategy `name` (default: the class name) with `params`
    (a dict, default empty), and shows the figures of the [[strategies]] entry `booked_as`
    (default: the one named like the strategy's client). If you define __init__, call
    super().__init__().
    """

    name: Optional[str] = None
    params: dict = {}
    booked_as: Optional[str] = None

    def on_start(self, ctx: StrategyContext) -> Optional[str]:
        return None

    def on_market(self, ctx: StrategyContext, symbol: str, market: Record) -> None:
        pass

    def on_response(self, ctx: StrategyContext, response) -> None:
        pass

    def on_timer(self, ctx: StrategyContext) -> None:
        pass

    def on_stop(self, ctx: StrategyContext) -> None:
        pass


def run_live(engine: str, client: str, strategy: Strategy, symbols: Iterable[str],
             seconds: Optional[float] = None) -> int:
    """Run `strategy` live as client `client` of engine `engine`, watching `symbols`, until
    Ctrl-C (a clean stop: on_stop runs, 0 is returned), `seconds` pass (0), or the engine is
    silent for 5 s (1). While idle it waits with the GIL released; an exception a callback
    raises stops the run (after on_stop) and is raised here. The strategy's cl_ids count from
    the wall clock's microseconds, so a restart never reuses one."""
    with Client.attach(engine, client) as c:
        return _ose._run_live(c, strategy, list(symbols), seconds)


def backtest(*, strategy: Strategy, data: Iterable[str], config: Optional[str] = None,
             out: str = "./ose-backtest", from_: Optional[str] = None, to: Optional[str] = None,
             latency_entry_us: int = 0, latency_response_us: int = 0, feed_latency_us: int = 0,
             fill_model: str = "full", reject_share: float = 0.0, seed: int = 1,
             client: Optional[str] = None, step: float = 60.0, progress: bool = False) -> dict:
    """Backtest `strategy` exactly as `ose backtest` backtests the sample strategy: the engine's
    core, the simulated venue and the latency model in market time, every input journaled into
    `out` (an ordinary journal: `ose report --config`... or `ose report --data-dir OUT`), and the
    results row returned and written to OUT/backtest.json. The arguments are `ose backtest`'s
    options: data (FILE or FILE@SYMBOL, merged by time), config (None: the built-in demo
    config), from_/to (UTC, 2022-08-14T12:00:00), the latencies in µs, fill_model ("full" or
    "partial"), reject_share, seed, client (the strategy client; None: the config's first),
    step (the report's equity sampling period, s). Deterministic: the same data, config and
    strategy give the same journal and state hash. An exception a callback raises fails the
    run and is raised here (nothing is left in `out`)."""
    if isinstance(data, (str, os.PathLike)):
        data = [data]
    row = _ose._backtest(
        strategy, None if config is None else os.fspath(config), [os.fspath(d) for d in data],
        os.fspath(out), from_ or "", to or "", int(latency_entry_us), int(latency_response_us),
        int(feed_latency_us), fill_model, float(reject_share), int(seed), client or "",
        float(step), bool(progress), strategy.name or type(strategy).__name__,
        json.dumps({str(k): str(v) for k, v in dict(strategy.params).items()}),
        strategy.booked_as or "")
    return json.loads(row)


def bot_settings(config: Optional[str] = None, sets: Iterable[str] = ()) -> dict:
    """The [bot] table of `config` (None: the built-in demo config) as {key: value text}, then
    `sets` ("KEY=VALUE" strings, as --set gives them) over it: a strategy's parameters the way
    `ose backtest` and `ose demo` give them to the sample strategy."""
    out = {key: text for key, text, _, _ in _ose.bot_table(config)}
    for s in sets:
        key, eq, value = s.partition("=")
        if not eq or not key:
            raise ValueError(f"--set {s}: write KEY=VALUE")
        out[key] = value
    return out
