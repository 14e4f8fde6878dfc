"""Snapshots copy only the tables asked for (StateReader::copy_tables): on a quiet engine they
are the live tables' own rows, and the order table keeps exactly its used slots, in slot order.
Large arrays get memory of their own (python/src/row_memory.hpp), kept for the next snapshot once
freed: memory still held by one snapshot is never handed to another."""

from __future__ import annotations

import numpy as np

import ose
from ose._state import TABLES


def test_snapshot_tables_are_the_mapped_rows_when_quiet(engine):
    engine.tick("BTCUSDT", "29990", "30010", "30000")
    cl_ids = []
    with ose.Client.attach(engine.name, "mm1") as c:
        for price in ("29000", "29100", "29200"):
            c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.001", price=price))
            cl_ids.append(c.last_cl_id)
        c.until_last(c.cancel(c.last_cl_id))
    r = ose.Reader.attach(engine.name)
    snap, live = quiet_snapshot(r)
    assert_rows_are_live(snap, live)
    # A fresh engine: the three orders placed here, the cancelled one too, in slot order.
    assert snap.orders["cl_id"].tolist() == cl_ids


def quiet_snapshot(r: ose.Reader):
    """A snapshot of every table, and copies of the live tables, at one seq."""
    for _ in range(50):  # the venue may still be answering: compare at one quiet seq
        before = r.seq
        snap = r.snapshot()
        live = {t: np.array(r.live_view(t)) for t in TABLES}  # copies of the mapped tables
        if snap.seq == before == r.seq:
            break
    assert snap.consistent and snap.seq == r.seq
    return snap, live


def used(orders: np.ndarray) -> np.ndarray:
    return orders[orders["id"] != 0]


def assert_rows_are_live(snap, live) -> None:
    for table in TABLES:
        want = used(live[table]) if table == "orders" else live[table]
        got = np.asarray(getattr(snap, table))
        assert got.shape == want.shape, table
        assert got.tobytes() == want.tobytes(), table


def memory_owner(a: np.ndarray):
    """What finally owns an array's memory: the array itself (numpy's), or its non-array base."""
    while isinstance(a, np.ndarray) and a.base is not None:
        a = a.base
    return a


def test_large_snapshots_own_their_memory_and_reuse_it_only_once_freed(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        c.until_last(c.new_order(symbol="BTCUSDT", side="buy", qty="0.001", price="28000"))
    r = ose.Reader.attach(engine.name)
    previous = ose._ose._set_row_memory_min(1)  # every table counts as large here
    try:
        snap, live = quiet_snapshot(r)
        assert_rows_are_live(snap, live)  # every table through its own memory
        for table in TABLES:
            assert type(memory_owner(getattr(snap, table))).__name__ == "PyCapsule", table
        del snap

        a = r.orders()
        assert a.consistent and a.flags.writeable and len(a) > 0
        a_data, a_rows = a.ctypes.data, a.tobytes()
        b = r.orders()  # a is held: b must not get its memory
        b_rows = b.tobytes()
        assert b.ctypes.data != a_data
        a["qty"] = 7  # a writeable copy: b and the engine's table stay as they were
        assert b.tobytes() == b_rows
        assert a.tobytes() != a_rows and used(r.live_view("orders"))["qty"].min() > 7
        del a
        c = r.orders()  # a's memory, freed, is what c gets, with the table's rows
        assert c.ctypes.data == a_data and b.tobytes() == b_rows
        if c.seq == b.seq:  # the engine was quiet between them (it should be)
            assert c.tobytes() == b_rows
        assert (c["id"] != 0).all() and len(c.to_pandas(money="e8")) == len(c)
        rows, seq = c.tobytes(), c.seq
        del r  # the rows do not depend on the reader's mapping
        assert c.tobytes() == rows and c.seq == seq
    finally:
        ose._ose._set_row_memory_min(previous)
