"""Snapshots copy only the tables asked for (StateReader::copy_tables): on a quiet engine they
are the live tables' own rows, and the order table keeps exactly its used slots, in slot order."""

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
    for _ in range(50):  # the venue may still be answering: compare at one quiet seq
        before = r.seq
        snap = r.snapshot()
        live = {t: np.array(r.live_view(t)) for t in TABLES}  # copies of the mapped tables
        if snap.seq == before == r.seq:
            break
    assert snap.consistent and snap.seq == r.seq
    for table in TABLES:
        want = live[table]
        if table == "orders":
            want = want[want["id"] != 0]
        got = np.asarray(getattr(snap, table))
        assert got.shape == want.shape, table
        assert got.tobytes() == want.tobytes(), table
    # A fresh engine: the three orders placed here, the cancelled one too, in slot order.
    assert snap.orders["cl_id"].tolist() == cl_ids
