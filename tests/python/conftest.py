"""Fixtures of the Python module's tests: a real engine (and, when asked, the simulated venue)
started from config/example.toml under a unique name, always stopped afterwards.

Run by ctest (label "python"): /usr/bin/python3 -m pytest tests/python with
PYTHONPATH=build/python and OSE_TOOL=build/tools/ose."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2]
OSE = os.environ.get("OSE_TOOL", str(SRC / "build" / "tools" / "ose"))


class Engine:
    """A running `ose engine`: its name, and `send` for admin inputs (ticks) through `ose send`."""

    def __init__(self, tmp: pathlib.Path, name: str, max_orders: int, rate_limits: dict,
                 venue: bool, engine_keys: str):
        self.name = name
        self.tmp = tmp
        text = (SRC / "config" / "example.toml").read_text()
        text = text.replace('name = "demo"', f'name = "{name}"', 1)
        text = re.sub(r"^data_dir = .*$", f'data_dir = "{tmp}/data"', text, flags=re.M)
        text = re.sub(r"^max_orders = \d+", f"max_orders = {max_orders}", text, flags=re.M)
        # No rate limit (0 = unlimited) but where the test asks for one.
        text = re.sub(r"^rate_limit = \d+\n", "", text, flags=re.M)
        for client, limit in rate_limits.items():
            text = text.replace(f'name = "{client}"\nrole = "strategy"\n',
                                f'name = "{client}"\nrole = "strategy"\nrate_limit = {limit}\n', 1)
        text = text.replace("[engine]\n", "[engine]\n" + engine_keys, 1)
        self.config = tmp / "config.toml"
        self.config.write_text(text)
        self.log = open(tmp / "engine.log", "w")
        self.proc = subprocess.Popen([OSE, "engine", "--config", str(self.config), "-q"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.venue = None
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/dev/shm/ose.{name}.state") or subprocess.run(
                [OSE, "inspect", "--engine", name, "status"], capture_output=True).returncode:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"engine {name} did not start: " +
                                   (tmp / "engine.log").read_text())
            time.sleep(0.05)
        if venue:
            self.venue_log = open(tmp / "venue.log", "w")
            self.venue = subprocess.Popen([OSE, "venue", "--engine", name, "--client", "sim"],
                                          stdout=self.venue_log, stderr=subprocess.STDOUT)
            time.sleep(0.3)

    def send(self, *lines: str) -> str:
        """Admin inputs (ticks...) as the `ops` client, one scenario JSON line each."""
        out = subprocess.run([OSE, "send", "--engine", self.name, "--client", "ops", "-"],
                             input="\n".join(lines) + "\n", capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def tick(self, symbol: str, bid: str, ask: str, last: str) -> None:
        self.send(f'{{"op":"tick","symbol":"{symbol}","bid":"{bid}","ask":"{ask}",'
                  f'"bid_qty":"100","ask_qty":"100","last":"{last}"}}')

    def stop(self) -> None:
        for p in (self.venue, self.proc):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for f in pathlib.Path("/dev/shm").glob(f"ose.{self.name}.*"):
            f.unlink(missing_ok=True)


_count = 0


def start_engine(tmp_path_factory, max_orders=4096, rate_limits=None, venue=False,
                 engine_keys="") -> Engine:
    global _count
    _count += 1
    name = f"py{os.getpid()}x{_count}"
    return Engine(tmp_path_factory.mktemp(name), name, max_orders, rate_limits or {}, venue,
                  engine_keys)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """An engine with the simulated venue, shared by the tests of one file."""
    e = start_engine(tmp_path_factory, venue=True)
    try:
        yield e
    finally:
        e.stop()


@pytest.fixture(scope="module")
def bare_engine(tmp_path_factory):
    """An engine without a venue (orders stay pending_new until cancelled), mm1 limited to one
    order a second, and a broadcast ring of 16 events (so a tail can be lapped)."""
    e = start_engine(tmp_path_factory, rate_limits={"mm1": 1}, engine_keys="broadcast_ring = 16\n")
    try:
        yield e
    finally:
        e.stop()
