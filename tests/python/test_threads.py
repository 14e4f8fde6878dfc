"""Waiting releases the GIL, and Ctrl-C interrupts a wait promptly."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import ose


def test_other_threads_run_while_one_waits(engine):
    with ose.Client.attach(engine.name, "mm1") as c:
        counter = [0]
        stop = threading.Event()

        def count():
            while not stop.is_set():
                counter[0] += 1

        t = threading.Thread(target=count)
        t.start()
        time.sleep(0.05)
        before = counter[0]
        assert c.wait(timeout=0.5) is None  # nothing to answer: waits the whole time
        during = counter[0] - before
        stop.set()
        t.join()
    # A wait holding the GIL would leave the counter where it was (give or take a switch
    # interval of 5 ms before the wait started); a released one lets it count for 0.5 s.
    assert during > 100_000, during


def test_other_threads_run_while_an_event_tail_waits(engine):
    tail = ose.Reader.attach(engine.name).events()
    ticks = []
    t = threading.Thread(target=lambda: [ticks.append(time.sleep(0.01)) for _ in range(20)])
    t.start()
    tail.wait(timeout=0.4)
    t.join()
    assert len(ticks) == 20


SIGINT_SCRIPT = """
import os, signal, sys, threading, time
import ose
c = ose.Client.attach(sys.argv[1], "perp1")
threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    c.wait(timeout=10)
    print("no interrupt")
except KeyboardInterrupt:
    print("interrupted after %.3f" % (time.monotonic() - start))
"""


def test_sigint_interrupts_wait_promptly(engine):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", SIGINT_SCRIPT, engine.name], env=env,
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    assert words[:2] == ["interrupted", "after"], out.stdout
    # The signal came at 0.3 s; the wait must notice within 100 ms of it.
    assert 0.3 <= float(words[2]) < 0.4, out.stdout
