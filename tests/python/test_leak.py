"""One million orders through the module leave the process's RSS flat: no response, Decimal or
name object is leaked per order. (OSE_PY_LEAK_ORDERS overrides the count.)"""

from __future__ import annotations

import os
import time
from decimal import Decimal

import pytest

import ose
from conftest import start_engine

ORDERS = int(os.environ.get("OSE_PY_LEAK_ORDERS", "1000000"))
BATCH = 64  # in flight at once: well within the command and response rings


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def leak_engine(tmp_path_factory):
    e = start_engine(tmp_path_factory, max_orders=65536)
    try:
        yield e
    finally:
        e.stop()


def run(c: ose.Client, n: int) -> None:
    qty = Decimal("0.000001")  # below BTCUSDT's min_qty: each order is rejected QTY_BELOW_MIN
    for _ in range(n // BATCH):
        for _ in range(BATCH):
            c.new_order(symbol="BTCUSDT", side="buy", qty=qty, price="30000")
        for _ in range(BATCH):
            r = c.wait(timeout=5, mode="spin")
            # Touch what a strategy touches: enums, Decimals, names.
            assert r.reject_reason == ose.RejectReason.QTY_BELOW_MIN
            assert r.qty == qty and r.symbol == "BTCUSDT" and r.price == 30000


def test_a_million_orders_leave_rss_flat(leak_engine):
    with ose.Client.attach(leak_engine.name, "ema1") as c:
        run(c, 50_000)  # warm up: allocator pools, caches
        before = rss_kib()
        start = time.monotonic()
        run(c, ORDERS - 50_000)
        elapsed = time.monotonic() - start
        after = rss_kib()
    print(f"{ORDERS} orders, {elapsed:.1f} s after warm-up; RSS {before} → {after} KiB")
    # A leak of even 8 bytes per order would add ~7.6 MiB over 950k orders.
    assert after - before < 4096, f"RSS grew {after - before} KiB over {ORDERS} orders"
