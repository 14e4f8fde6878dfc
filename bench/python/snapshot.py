"""Python's side of `ose-bench python --snapshot`: how long reading the order table takes.

Times, --repeats times each, on an engine the harness filled with working orders:
  orders            Reader.orders(): a consistent copy of every used order slot as a numpy
                    structured array (what the issue's <= 50 ms goal is about), into a fresh
                    array each call, the previous result dropped first
  orders_kept       the same, the previous result still held while the next is made (as
                    `orders = r.orders()` in a loop does)
  orders_out        Reader.orders(out=buf): the same copy into one array reused across calls
                    (Reader.order_buffer()); its first call faults the array's pages in
  to_pandas e8      .to_pandas(money="e8") of that array (money as int64 1e-8 counts)
  to_pandas decimal .to_pandas() (money as exact decimal.Decimal objects)
and writes them as JSON to --out: {"rows", "seq", "consistent", "orders_ms": [...],
"orders_cpu_ms": [...], ...}: wall and CPU (this thread's) milliseconds of each call.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import ose


def timed(f, repeats: int, keep: bool = False):
    """Wall and CPU milliseconds of each of `repeats` calls of f, and the last call's value. The
    CPU time (this thread's) is what a call costs when other processes share the cores. keep:
    the previous call's value is still held during the next call (else it is freed first)."""
    wall, cpu, value = [], [], None
    for _ in range(repeats):
        if not keep:
            value = None
        t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
        value = f()
        wall.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
    return (wall, cpu), value


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", required=True)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cpu", type=int, default=-1, help="pin to this cpu (-1: not pinned)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cpu >= 0:
        os.sched_setaffinity(0, {a.cpu})
    r = ose.Reader.attach(a.engine)
    orders_ms, orders = timed(r.orders, a.repeats)
    kept_ms, _ = timed(r.orders, a.repeats, keep=True)
    buf = r.order_buffer()
    out_ms, _ = timed(lambda: r.orders(out=buf), a.repeats)
    e8_ms, _ = timed(lambda: orders.to_pandas(money="e8"), a.repeats)
    dec_ms, _ = timed(lambda: orders.to_pandas(), max(1, a.repeats // 2))
    result = {"rows": int(orders.shape[0]), "seq": orders.seq, "consistent": orders.consistent}
    for name, (wall, cpu) in (("orders", orders_ms), ("orders_kept", kept_ms),
                              ("orders_out", out_ms),
                              ("to_pandas_e8", e8_ms),
                              ("to_pandas_decimal", dec_ms)):
        result[name + "_ms"], result[name + "_cpu_ms"] = wall, cpu
    with open(a.out, "w") as f:
        json.dump(result, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
