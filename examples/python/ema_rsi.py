#!/usr/bin/python3
"""The sample EMA/RSI strategy in Python: the same [bot] parameters, bars and bracket logic as
the C++ EmaRsiStrategy (examples/ema_rsi/), written against ose.Strategy so that the same code
runs live and in a backtest (docs/PYTHON.md, "A strategy"):

    PYTHONPATH=build/python /usr/bin/python3 examples/python/ema_rsi.py --engine demo \\
        --client ema1 [--set KEY=VALUE]...
    build/tools/ose backtest --strategy python:examples/python/ema_rsi.py --data FILE.csv ...
    ose demo --strategy python

Every `updates` of the market (bar_ticks) make a bar; an EMA crossover with an RSI filter
decides on bar closes; a long entry is a marketable limit IOC sized from the free quote balance,
carrying a stop-loss / take-profit bracket that the engine creates and triggers; a trailing stop
and the exit signal are watched here and close the position by cancelling the bracket and
selling. Indicators work in floats exactly as the C++ ones do (the same operations in the same
order); order arithmetic is exact, on integer counts of 1e-8 (ose.MONEY_SCALE), as bot_orders.cpp
does it, so that both strategies send the very same orders.
"""

from __future__ import annotations

import argparse
import signal
import sys
from decimal import Decimal
from typing import Optional

import ose

SCALE = ose.MONEY_SCALE  # 1e8: prices, quantities and rates as integer counts of 1e-8
INT64_MAX = 2**63 - 1
NS_PER_DAY = 86_400_000_000_000
PROGRAM = "ema_rsi.py"

# ---- parameters (examples/ema_rsi/bot_params.hpp): defaults, then settings, then checks ----

DEFAULTS = {
    "symbol": "BTCUSDT", "account": "main", "strategy": "ema1", "ema_fast": "9",
    "ema_slow": "21", "rsi_period": "14", "rsi_oversold": "30", "rsi_overbought": "70",
    "stop_loss": "0.02", "take_profit": "0.04", "trailing_stop": "0.01",
    "position_size": "0.1", "max_daily_trades": "10", "bar_ticks": "10",
    "max_slippage": "0.001",
}
TEXT_KEYS = ("symbol", "account", "strategy")
INT_RANGES = {"ema_fast": (1, 1000), "ema_slow": (1, 1000), "rsi_period": (1, 1000),
              "max_daily_trades": (1, 1_000_000), "bar_ticks": (1, 1_000_000)}
# Fractions and levels: exact counts of 1e-8, and what they allow.
RATE_CHECKS = {
    "rsi_oversold": (lambda v: 0 <= v <= 100 * SCALE, "must be between 0 and 100"),
    "rsi_overbought": (lambda v: 0 <= v <= 100 * SCALE, "must be between 0 and 100"),
    "stop_loss": (lambda v: 0 <= v < SCALE, "must be at least 0 and below 1 (0 = no stop-loss)"),
    "take_profit": (lambda v: v >= 0, "must be at least 0 (0 = none)"),
    "trailing_stop": (lambda v: 0 <= v < SCALE, "must be at least 0 and below 1 (0 = off)"),
    "position_size": (lambda v: 0 < v <= SCALE, "must be above 0 and at most 1"),
    "max_slippage": (lambda v: 0 <= v < SCALE // 10, "must be at least 0 and below 0.1"),
}


def e8(value) -> int:
    """A decimal (str, Decimal or int) as an exact count of 1e-8; ValueError beyond 8 places."""
    d = Decimal(value)
    scaled = d.scaleb(8)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"'{value}' has more than 8 fraction digits")
    return int(scaled)


def decimal_of(count: int) -> Decimal:
    return Decimal(count).scaleb(-8)


def text_of(count: int) -> str:
    """A count of 1e-8 as the engine prints it ("0.02", "30")."""
    return format(decimal_of(count).normalize(), "f")


class Params:
    """The parameters from settings {key: text}; ValueError("bot.KEY: WHAT") on the first bad
    one, as the C++ strategy words it."""

    def __init__(self, settings: Optional[dict] = None):
        values = dict(DEFAULTS)
        for key, text in (settings or {}).items():
            if key not in DEFAULTS:
                raise ValueError(f"bot.{key}: unknown key (valid: {', '.join(DEFAULTS)})")
            values[key] = str(text)
        for key in TEXT_KEYS:
            if not 1 <= len(values[key]) <= 15:
                raise ValueError(f"bot.{key}: must be 1 to 15 characters")
            setattr(self, key, values[key])
        for key, (lo, hi) in INT_RANGES.items():
            try:
                v = int(values[key], 10)
            except ValueError:
                raise ValueError(f"bot.{key}: expected an integer") from None
            if not lo <= v <= hi:
                raise ValueError(f"bot.{key}: must be between {lo} and {hi}")
            setattr(self, key, v)
        self.rates = {}
        for key, (ok, what) in RATE_CHECKS.items():
            try:
                v = e8(values[key])
            except (ValueError, ArithmeticError):
                raise ValueError(f"bot.{key}: '{values[key]}' is not a decimal with at most 8 "
                                 "fraction digits") from None
            if not ok(v):
                raise ValueError(f"bot.{key}: {what}")
            self.rates[key] = v
        # The RSI levels as the C++ strategy holds them: the double nearest the exact decimal.
        self.rsi_oversold = self.rates["rsi_oversold"] / SCALE
        self.rsi_overbought = self.rates["rsi_overbought"] / SCALE
        if self.ema_fast >= self.ema_slow:
            raise ValueError(f"bot.ema_fast: ema_fast ({self.ema_fast}) must be below ema_slow "
                             f"({self.ema_slow})")
        if self.rsi_oversold >= self.rsi_overbought:
            raise ValueError(f"bot.rsi_oversold: rsi_oversold ({level(self.rsi_oversold)}) must "
                             f"be below rsi_overbought ({level(self.rsi_overbought)})")

    def described(self) -> dict:
        """Every parameter as text, in the C++ strategy's order and wording (describe())."""
        out = {}
        for key in DEFAULTS:
            if key in ("rsi_oversold", "rsi_overbought"):
                out[key] = level(getattr(self, key))
            elif key in self.rates:
                out[key] = text_of(self.rates[key])
            else:
                out[key] = str(getattr(self, key))
        return out


def level(v: float) -> str:
    """A double as fmt's "{}" prints it: 30.0 as "30", 33.3 as "33.3"."""
    s = repr(v)
    return s[:-2] if s.endswith(".0") else s


# ---- indicators (examples/ema_rsi/indicators.hpp): TA-Lib conventions, in doubles ----

class Ema:
    def __init__(self, period: int):
        self.period = max(period, 1)
        self.alpha = 2.0 / (float(self.period) + 1.0)
        self.count, self.sum, self.value = 0, 0.0, 0.0

    def add(self, x: float) -> None:
        if self.count < self.period:
            self.sum += x
            self.count += 1
            if self.count == self.period:
                self.value = self.sum / float(self.period)
            return
        self.value += self.alpha * (x - self.value)

    def ready(self) -> bool:
        return self.count >= self.period


class Rsi:
    """Wilder's RSI: ready after period + 1 prices."""

    def __init__(self, period: int):
        self.period = max(period, 1)
        self.prev: Optional[float] = None
        self.changes, self.avg_gain, self.avg_loss = 0, 0.0, 0.0

    def add(self, price: float) -> None:
        if self.prev is None:
            self.prev = price
            return
        change = price - self.prev
        self.prev = price
        gain = change if change > 0 else 0.0
        loss = -change if change < 0 else 0.0
        if self.changes < self.period:
            self.avg_gain += gain
            self.avg_loss += loss
            self.changes += 1
            if self.changes == self.period:
                self.avg_gain /= float(self.period)
                self.avg_loss /= float(self.period)
            return
        n = float(self.period)
        self.avg_gain = (self.avg_gain * (n - 1.0) + gain) / n
        self.avg_loss = (self.avg_loss * (n - 1.0) + loss) / n

    def ready(self) -> bool:
        return self.changes >= self.period

    def value(self) -> float:
        if not self.ready():
            return 50.0
        if self.avg_loss == 0.0:
            return 100.0 if self.avg_gain > 0.0 else 50.0
        return 100.0 - 100.0 / (1.0 + self.avg_gain / self.avg_loss)


class TrailingStop:
    """Follows the high since arm(); fires when the price falls callback below it."""

    def __init__(self, callback: float):
        self.callback = max(callback, 0.0)
        self.armed, self.high = False, 0.0

    def arm(self, entry: float) -> None:
        self.armed, self.high = True, entry

    def update(self, price: float) -> bool:
        if not self.armed:
            return False
        self.high = max(self.high, price)
        if self.callback <= 0.0:
            return False
        return price <= self.high * (1.0 - self.callback)


NONE, ENTER, EXIT = "none", "enter", "exit"


class Signal:
    """examples/ema_rsi/ema_rsi_signal.hpp: an EMA crossover filtered by the RSI, on bar closes."""

    def __init__(self, p: Params):
        self.fast, self.slow, self.rsi = Ema(p.ema_fast), Ema(p.ema_slow), Rsi(p.rsi_period)
        self.oversold, self.overbought = p.rsi_oversold, p.rsi_overbought
        self.prev: Optional[tuple] = None  # the previous bar's (fast, slow), once ready

    def on_bar(self, close: float) -> str:
        self.fast.add(close)
        self.slow.add(close)
        self.rsi.add(close)
        if not self.fast.ready() or not self.slow.ready():
            return NONE
        fast, slow, prev = self.fast.value, self.slow.value, self.prev
        self.prev = (fast, slow)  # remembered before judging, warm-up or not
        if prev is None or not self.rsi.ready():
            return NONE
        rsi = self.rsi.value()
        crossed_up = prev[0] <= prev[1] and fast > slow
        crossed_down = prev[0] >= prev[1] and fast < slow
        if rsi > self.overbought or (crossed_down and rsi > self.oversold):
            return EXIT  # Exit wins
        if crossed_up and rsi < self.overbought:
            return ENTER
        return NONE


# ---- order arithmetic (examples/ema_rsi/bot_orders.cpp): exact, on counts of 1e-8 ----
# Python's // rounds toward -inf, as bot_orders.cpp's floor_div does.

def floor_to(v: int, grid: int) -> int:
    return v if grid <= 0 else (v // grid) * grid


def ceil_to(v: int, grid: int) -> int:
    return v if grid <= 0 else -((-v) // grid) * grid


def price_above(p: int, r: int, tick: int) -> int:
    return ceil_to(-((-(p * (SCALE + r))) // SCALE), tick)


def price_below(p: int, r: int, tick: int) -> int:
    return floor_to((p * (SCALE - r)) // SCALE, tick)


def plan_entry(ins: dict, free: int, touch: int, p: Params) -> Optional[tuple]:
    """(qty, limit, stop_loss, take_profit) of a long entry at `touch`, or None when it would
    buy less than the instrument's minimums."""
    if touch <= 0 or free <= 0:
        return None
    limit = price_above(touch, p.rates["max_slippage"], ins["tick_size"])
    budget = (free * p.rates["position_size"]) // SCALE
    qty = (budget * SCALE) // limit
    if qty > INT64_MAX:
        return None
    qty = floor_to(qty, ins["step_size"])
    if ins["max_qty"] > 0 and qty > ins["max_qty"]:
        qty = floor_to(ins["max_qty"], ins["step_size"])
    if qty <= 0 or qty < ins["min_qty"]:
        return None
    if qty * limit // SCALE < ins["min_notional"]:
        return None
    sl = p.rates["stop_loss"]
    tp = p.rates["take_profit"]
    stop_loss = price_below(touch, sl, ins["tick_size"]) if sl > 0 else 0
    take_profit = price_above(touch, tp, ins["tick_size"]) if tp > 0 else 0
    return qty, limit, stop_loss, take_profit


def exit_limit(ins: dict, touch: int, slippage: int) -> int:
    p = price_below(touch, slippage, ins["tick_size"])
    return p if p > 0 else ins["tick_size"]


TERMINAL = {ose.OrderStatus.FILLED, ose.OrderStatus.CANCELLED, ose.OrderStatus.REJECTED,
            ose.OrderStatus.EXPIRED}


class EmaRsi(ose.Strategy):
    """The sample strategy (examples/ema_rsi/ema_rsi_strategy.hpp), decision for decision."""

    name = "ema_rsi.py"

    def __init__(self, settings: Optional[dict] = None, log=None):
        super().__init__()
        self.p = Params(settings)
        self.params = self.p.described()
        self.booked_as = self.p.strategy
        self.log = log or (lambda line: None)
        self.signal = Signal(self.p)
        self.trailing = TrailingStop(self.p.rates["trailing_stop"] / SCALE)
        self.ins: dict = {}
        self.updates = self.bars = self.entries = self.exits = self.rejects = 0
        self.pending = NONE  # this bar's signal, until acted on
        self.exiting = False  # an exit is under way until flat
        self.exit_bar = 0
        self.awaited_request = 0
        self.awaited_what = ""
        self.working_order = 0
        self.day = -1
        self.entries_today = 0

    def on_start(self, ctx):
        p = self.p
        names = ctx.names
        for what, name, table in (("instrument", p.symbol, "instruments"),
                                  ("account", p.account, "accounts"),
                                  ("strategy", p.strategy, "strategies")):
            if name not in names[table]:
                return (f"the engine has no {what} '{name}' (set it with --set or in the [bot] "
                        "table)")
        ins = ctx.instrument(p.symbol)
        if ins.kind == ose.InstrumentKind.INVERSE:
            return (f"{p.symbol} is an inverse (coin-margined) instrument; the sample strategy "
                    "trades spot and linear ones")
        self.ins = {k: e8(getattr(ins, k)) for k in ("tick_size", "step_size", "min_qty",
                                                       "max_qty", "min_notional")}
        self.settle = ins.settle
        r = p.rates
        self.log(f"trading {p.symbol} (account {p.account}, strategy {p.strategy}): EMA "
                 f"{p.ema_fast}/{p.ema_slow}, RSI {p.rsi_period} [{level(p.rsi_oversold)}, "
                 f"{level(p.rsi_overbought)}], stop-loss {text_of(r['stop_loss'])}, take-profit "
                 f"{text_of(r['take_profit'])}, trailing {text_of(r['trailing_stop'])}, size "
                 f"{text_of(r['position_size'])} of free, bars of {p.bar_ticks} updates")
        return None

    def summary(self) -> str:
        return (f"{self.bars} bars, {self.entries} entries, {self.exits} exits, "
                f"{self.rejects} rejects")

    def on_stop(self, ctx):
        self.log("stopped: " + self.summary())

    def on_response(self, ctx, r):
        if r.request == 0 or r.request != self.awaited_request or r.done:
            if r.request == self.awaited_request and r.last:
                self.awaited_request = 0
            return
        if r.type == ose.EventType.ACCEPTED:
            self.working_order = r.order_id
        elif r.type == ose.EventType.REJECTED:
            self.rejects += 1
            self.log(f"{self.awaited_what} refused: {r.reject_reason.value}")
        if r.last:
            self.awaited_request = 0

    def busy(self, ctx) -> bool:
        """While a command awaits its answer or the order it made still works."""
        if self.awaited_request != 0:
            return True
        if self.working_order == 0:
            return False
        o = ctx.order(self.working_order)
        if o is not None and o.id == self.working_order and o.status not in TERMINAL:
            return True
        self.working_order = 0
        return False

    def on_market(self, ctx, symbol, m):
        p = self.p
        if symbol != p.symbol or not self.ins:
            return
        price = e8(m.last if m.has_last else m.mark)
        if price <= 0:
            return
        self.updates += 1
        if self.updates % p.bar_ticks == 0:
            self.bars += 1
            # A signal holds for its bar: acted on at the first update not busy, else lost.
            self.pending = self.signal.on_bar(price / SCALE)
        pos = ctx.strategy_position(p.strategy, p.symbol)
        size = e8(pos.size) if pos is not None else 0
        flat = size < self.ins["min_qty"]
        if flat:
            self.trailing.armed = False
            self.exiting = False
        elif not self.trailing.armed:
            self.trailing.arm(e8(pos.avg_entry_price) / SCALE)
        trail_hit = not flat and self.trailing.update(price / SCALE)
        if self.busy(ctx):
            return
        if flat and self.pending == ENTER:
            self.pending = NONE
            self.enter(ctx, m)
        elif not flat and self.exiting:
            # The last exit left some position: one retry per bar, not per update.
            if self.bars > self.exit_bar:
                self.exit(ctx, m, size, "retry")
        elif not flat and (trail_hit or self.pending == EXIT):
            why = "trailing stop" if trail_hit else "exit signal"
            self.pending = NONE
            self.exit(ctx, m, size, why)
        elif not flat:
            self.pending = NONE  # an entry signal while long: already in

    def enter(self, ctx, m):
        p = self.p
        day = m.ts // NS_PER_DAY  # market time, so a backtest counts its own days
        if day != self.day:
            self.day, self.entries_today = day, 0
        if self.entries_today >= p.max_daily_trades:
            return
        st = ctx.strategy(p.strategy)
        if st is not None and st.open_orders != 0:
            return  # exits linger
        quote = ctx.balance(p.account, self.settle)
        free = e8(quote.free) if quote is not None else 0
        touch = e8(m.ask if m.has_ask else m.last)
        plan = plan_entry(self.ins, free, touch, p)
        if plan is None:
            self.log(f"entry signal at {text_of(touch)}, but {text_of(free)} free buys less "
                     "than the minimum order")
            return
        qty, limit, stop_loss, take_profit = plan
        request = ctx.new_order(account=p.account, strategy=p.strategy, symbol=p.symbol,
                                side="buy", type="limit", tif="ioc", qty=decimal_of(qty),
                                price=decimal_of(limit), stop_loss=decimal_of(stop_loss),
                                take_profit=decimal_of(take_profit))
        if not self.send(request, "entry"):
            return
        self.entries += 1
        self.entries_today += 1
        s = self.signal
        self.log(f"enter: buy {text_of(qty)} {p.symbol} at ≤ {text_of(limit)} (EMA "
                 f"{s.fast.value:.2f} > {s.slow.value:.2f}, RSI {s.rsi.value():.1f}), stop-loss "
                 f"{text_of(stop_loss)}, take-profit {text_of(take_profit)}")

    def exit(self, ctx, m, size: int, why: str):
        """Cancels the bracket (its exits hold the base) and sells what the strategy holds."""
        p = self.p
        self.exiting = True
        self.exit_bar = self.bars
        if ctx.cancel_all(account=p.account, strategy=p.strategy, symbol=p.symbol) == 0:
            return  # ring full: next update
        touch = e8(m.bid if m.has_bid else m.last)
        qty = floor_to(size, self.ins["step_size"])
        limit = exit_limit(self.ins, touch, p.rates["max_slippage"])
        request = ctx.new_order(account=p.account, strategy=p.strategy, symbol=p.symbol,
                                side="sell", type="limit", tif="ioc", qty=decimal_of(qty),
                                price=decimal_of(limit))
        if not self.send(request, "exit"):
            return
        self.exits += 1
        self.log(f"exit ({why}): sell {text_of(qty)} {p.symbol} at ≥ {text_of(limit)}")

    def send(self, request: int, what: str) -> bool:
        if request == 0:
            return False  # command ring full: the next update tries again
        self.awaited_request = request
        self.awaited_what = what
        return True


def make_strategy(settings: dict) -> EmaRsi:
    """How `ose backtest --strategy python:FILE` builds the strategy: from the [bot] table and
    --set values (ose.backtest_cli)."""
    return EmaRsi(settings)


# ---- the program: ose-ema-rsi's command line (examples/ema_rsi/main.cpp) ----

def settings_from(args) -> dict:
    settings = {}
    for a in args.set_toml:
        key, eq, value = a.partition("=")
        if not eq or not key:
            raise ValueError(f"'{a}' is not KEY=VALUE")
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            value = value[1:-1]
        settings[key] = value
    for a in args.set:
        key, eq, value = a.partition("=")
        if not eq or not key:
            raise ValueError(f"'{a}' is not KEY=VALUE")
        settings[key] = value
    if args.symbol:
        settings["symbol"] = args.symbol
    return settings


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog=PROGRAM, description="The sample EMA/RSI strategy in Python, a client of a running "
        "engine (docs/PYTHON.md)")
    ap.add_argument("-e", "--engine", help="engine name (required unless --check)")
    ap.add_argument("--client", default="ema1", help="the strategy client's name (default ema1)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter (repeatable; keys: " + " ".join(DEFAULTS) + ")")
    ap.add_argument("--set-toml", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter whose VALUE is written as in TOML (how `ose demo` passes "
                    "its [bot] table on)")
    ap.add_argument("--symbol", help="trade this instrument instead of the symbol setting")
    ap.add_argument("--check", action="store_true",
                    help="check the parameters, print them as KEY=VALUE lines, exit")
    ap.add_argument("-q", "--quiet", action="store_true", help="no log lines")
    args = ap.parse_args(argv)

    def say(line: str) -> None:
        print(f"{PROGRAM}: {line}", file=sys.stderr, flush=True)

    try:
        strategy = EmaRsi(settings_from(args), log=None if args.quiet else say)
    except ValueError as e:
        say(str(e))
        return 2
    if args.check:
        for key, value in strategy.params.items():
            print(f"{key}={value}")
        return 0
    if not args.engine:
        say("--engine is required (see --help)")
        return 2
    # SIGTERM (how `ose demo` stops its strategy) stops cleanly, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not args.quiet:
        say(f"attached to engine {args.engine} as client {args.client}; SIGINT or SIGTERM stops")
    try:
        return ose.run_live(args.engine, args.client, strategy, [strategy.p.symbol])
    except ValueError as e:  # a refusal to start
        say(str(e))
        return 1
    except ose.Error as e:
        say(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
