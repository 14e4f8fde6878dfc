"""Python's side of `ose-bench python`: timed round trips of one ose.Client, the same workload as
the C++ client's (bench/study/engine_runs.cpp): a buy stop-limit far from the market (accepted
untriggered: the whole new-order path, no venue), timed from just before new_order() to the
return of the call that hands over its last response, then its cancel, untimed.

What is timed is what a Python strategy pays: keyword arguments, names resolved from the cache,
money parsed from str, the command written to the ring, the wait, and the ose.Response object
built for the answer.

Wait modes: spin / yield / park are Client.wait(mode=...) (GIL released while waiting); poll is
a Python loop over Client.poll() (GIL held, one C call per look).

Writes the timed samples (ns, native int64) to --out; exits non-zero when the engine stops
answering.
"""

from __future__ import annotations

import argparse
import array
import os
import sys
import time

import ose

DEADLINE_NS = 5_000_000_000  # the engine stopped answering


def wait_last(c: ose.Client, request: int, mode: str) -> None:
    if mode == "poll":
        deadline = time.monotonic_ns() + DEADLINE_NS
        looks = 0
        while True:
            r = c.poll()
            if r is not None:
                if r.request == request and r.last:
                    return
            else:
                looks += 1
                if looks & 0xFFFF == 0 and time.monotonic_ns() > deadline:
                    raise TimeoutError(f"no last response to request {request}")
    else:
        while True:
            r = c.wait(timeout=DEADLINE_NS / 1e9, mode=mode)
            if r is None:
                raise TimeoutError(f"no last response to request {request}")
            if r.request == request and r.last:
                return


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", required=True)
    p.add_argument("--client", required=True)
    p.add_argument("--strategy", required=True)
    p.add_argument("--round-trips", type=int, required=True)
    p.add_argument("--warmup", type=int, default=1000)
    p.add_argument("--mode", choices=("spin", "yield", "park", "poll"), required=True)
    p.add_argument("--cpu", type=int, default=-1, help="pin to this cpu (-1: not pinned)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.cpu >= 0:
        os.sched_setaffinity(0, {a.cpu})
    samples = array.array("q")
    with ose.Client.attach(a.engine, a.client) as c:
        for i in range(a.warmup + a.round_trips):
            t0 = time.perf_counter_ns()
            request = c.new_order(strategy=a.strategy, account="main", symbol="BTCUSDT",
                                  side="buy", type="stop_limit", tif="gtc", qty="0.001",
                                  price="90000", stop_price="90000")
            wait_last(c, request, a.mode)
            t1 = time.perf_counter_ns()
            wait_last(c, c.cancel(c.last_cl_id), a.mode)
            if i >= a.warmup:
                samples.append(t1 - t0)
    with open(a.out, "wb") as f:
        samples.tofile(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
