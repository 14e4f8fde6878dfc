"""Strategies written in Python (ose.Strategy) run by the C++ drivers: in a backtest
(ose.backtest, the same simulation as `ose backtest`), live (ose.run_live, through `ose demo
--strategy python`), and the Python sample strategy against the C++ one."""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys
from decimal import Decimal

import pytest

import ose
from conftest import OSE, SRC

DATA = pathlib.Path(os.environ.get("OSE_SHARED_DATA_DIR", SRC.parent / "shared" / "data"))
KLINES = DATA / "binance" / "klines"
DAY1 = KLINES / "ETHUSDT-1m-2022-08-14.csv"
DAY2 = KLINES / "ETHUSDT-1m-2022-08-15.csv"
SAMPLE = SRC / "examples" / "python" / "ema_rsi.py"

needs_data = pytest.mark.skipif(not DAY2.exists(), reason=f"no shared data in {DATA}")


def load_sample():
    spec = importlib.util.spec_from_file_location("ema_rsi_sample", SAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def cpp_backtest(out: pathlib.Path, *args: str) -> dict:
    r = subprocess.run([OSE, "backtest", "--json", "-q", "--out", str(out), *args],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def new_orders(out: pathlib.Path) -> list:
    """The journal's new-order inputs, as `ose journal dump --json` prints them."""
    r = subprocess.run([OSE, "journal", "dump", "--json", "--config",
                        str(SRC / "config" / "demo.toml"), "--data-dir", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return [x for x in rows if x.get("op") == "new_order"]


@needs_data
def test_python_sample_trades_as_the_cpp_one(tmp_path):
    """Both sample strategies, the same [bot] parameters (the built-in config's, ETHUSDT), two
    days of klines: the same orders at the same market times. Both contexts count cl_ids from 1
    and the simulation is deterministic, so equal decisions mean equal inputs: the journals'
    new orders are equal field for field (cl_id included), and so are the state hashes and
    every figure of the results rows but the strategy's name."""
    cpp = cpp_backtest(tmp_path / "cpp", "--data", str(DAY1), "--data", str(DAY2), "--set",
                       "symbol=ETHUSDT")
    sample = load_sample()
    strategy = sample.EmaRsi(ose.bot_settings(None, ["symbol=ETHUSDT"]))
    py = ose.backtest(strategy=strategy, data=[DAY1, DAY2], out=tmp_path / "py")
    assert cpp["trades"] > 0 and cpp["fills"] > 0  # a comparison of something
    assert py["strategy"] == "ema_rsi.py" and cpp["strategy"] == "ema_rsi"
    assert py["params"] == cpp["params"]
    assert {k: v for k, v in py.items() if k != "strategy"} == \
        {k: v for k, v in cpp.items() if k != "strategy"}
    cpp_orders, py_orders = new_orders(tmp_path / "cpp"), new_orders(tmp_path / "py")
    assert len(cpp_orders) == strategy.entries + strategy.exits > 0
    assert py_orders == cpp_orders
    assert json.loads((tmp_path / "py" / "backtest.json").read_text()) == py


@needs_data
def test_a_python_backtest_twice_gives_the_same_state_hash(tmp_path):
    sample = load_sample()
    rows = [ose.backtest(strategy=sample.EmaRsi({"symbol": "ETHUSDT", "bar_ticks": "5"}),
                         data=[DAY1], out=tmp_path / f"run{i}", latency_entry_us=300,
                         latency_response_us=700, feed_latency_us=100) for i in (1, 2)]
    assert rows[0]["trades"] > 0
    assert rows[0]["state_hash"] == rows[1]["state_hash"]
    assert rows[0] == rows[1]


class Stamps(ose.Strategy):
    """Sends one resting limit buy on the first market update and writes down when each answer
    comes, in market time."""

    def __init__(self):
        super().__init__()
        self.market_at = []  # (now_ns, market.ts)
        self.sent_at = None
        self.request = None
        self.heard = []  # (now_ns, event type, request)

    def on_market(self, ctx, symbol, market):
        self.market_at.append((ctx.now_ns, market.ts))
        if self.request is None:
            self.sent_at = ctx.now_ns
            # 3 % below the market (inside the config's 5 % price band): it rests, acked.
            price = (market.last * Decimal("0.97")).quantize(Decimal("0.01"))
            self.request = ctx.new_order(symbol=symbol, side="buy", qty="0.01", price=price)
            assert self.request > 0 and ctx.last_cl_id == 1

    def on_response(self, ctx, r):
        self.heard.append((ctx.now_ns, r.type, r.request))


@needs_data
def test_latency_model_seen_from_python(tmp_path):
    """An order sent at market time s: accepted by the engine at s, acked by the venue at
    s + L + R (L: entry latency, R: response latency); a tick printed at t reaches the strategy
    at t + F, stamped t + F by the engine."""
    L, R, F = 1500, 2500, 700  # µs
    s = Stamps()
    row = ose.backtest(strategy=s, data=[DAY1], out=tmp_path / "bt", to="2022-08-14T00:10:00",
                       latency_entry_us=L, latency_response_us=R, feed_latency_us=F,
                       config=None, client="ema1")
    assert row["latency_us"] == {"entry": L, "response": R, "feed": F}
    accepted = [h for h in s.heard if h[1] == ose.EventType.ACCEPTED]
    acked = [h for h in s.heard if h[1] == ose.EventType.ACKED]
    assert accepted and acked
    assert accepted[0][0] == s.sent_at and accepted[0][2] == s.request
    assert acked[0][0] == s.sent_at + (L + R) * 1000
    assert acked[0][2] == 0  # the venue's ack is unsolicited: request 0
    # A kline makes four ticks, 15 s apart from the minute's open (t); the strategy hears each
    # at t + F, which the engine stamped on it.
    for now, ts in s.market_at:
        assert now == ts and (ts - F * 1000) % 15_000_000_000 == 0


def test_a_callback_that_raises_fails_the_backtest(tmp_path):
    class Broken(ose.Strategy):
        def on_market(self, ctx, symbol, market):
            raise ZeroDivisionError("on purpose")

    if not DAY1.exists():
        pytest.skip(f"no shared data in {DATA}")
    with pytest.raises(ZeroDivisionError, match="on purpose"):
        ose.backtest(strategy=Broken(), data=[DAY1], out=tmp_path / "bt")
    # Nothing is left that would pass for a backtest; the directory takes a rerun.
    assert not (tmp_path / "bt" / "backtest.json").exists()
    assert not (tmp_path / "bt" / "data.mdb").exists()


def test_a_refusal_to_start_is_an_error(tmp_path):
    class Refuses(ose.Strategy):
        def on_start(self, ctx):
            return "no thanks"

    if not DAY1.exists():
        pytest.skip(f"no shared data in {DATA}")
    with pytest.raises(ValueError, match="no thanks"):
        ose.backtest(strategy=Refuses(), data=[DAY1], out=tmp_path / "bt")


def test_demo_with_the_python_strategy(tmp_path):
    """`ose demo --strategy python`: examples/python/ema_rsi.py trades the synthetic market
    live (ose.run_live), and the report, rebuilt from the journal, shows its orders."""
    name = f"pyd{os.getpid()}"
    text = (SRC / "config" / "demo.toml").read_text()
    text = text.replace('name = "demo"', f'name = "{name}"', 1)
    text = re.sub(r"^data_dir = .*$", f'data_dir = "{tmp_path}/data"', text, flags=re.M)
    # Bars of 5 updates (the built-in 20): the EMAs warm up within a second and cross often.
    text = re.sub(r"^bar_ticks = .*$", "bar_ticks = 5", text, flags=re.M)
    config = tmp_path / "demo.toml"
    config.write_text(text)
    r = subprocess.run([OSE, "demo", "--config", str(config), "--strategy", "python",
                        "--duration", "4", "--json", "-q"], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    log = (tmp_path / "data" / "logs" / "strategy.log")
    assert r.returncode == 0, r.stderr + (log.read_text() if log.exists() else "")
    strategy_log = log.read_text()
    assert "ema_rsi.py: trading BTCUSDT" in strategy_log
    assert "ema_rsi.py: stopped:" in strategy_log  # SIGTERM stopped it cleanly
    report = json.loads(r.stdout)
    ema1 = [s for s in report["strategies"] if s["name"] == "ema1"]
    assert ema1 and ema1[0]["orders"] > 0, report["strategies"]
    assert "enter: buy" in strategy_log
