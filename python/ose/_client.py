"""ose.Client: order entry and responses, plus asyncio helpers."""

from __future__ import annotations

import asyncio
import time

from . import _ose
from ._state import Reader


class Client(_ose.Client):
    """A client of a running engine: one of its [[clients]], held by this process until
    close() (or the end of a `with` block).

        with ose.Client.attach("demo", "ema1") as c:
            req = c.new_order(symbol="BTCUSDT", side="buy", qty="0.01", price="30000")
            r = c.wait(timeout=1.0)      # ose.Response, or None on timeout

    new_order/cancel/cancel_order/amend/cancel_all return the request id that the responses
    to them carry (Response.request). Engine rejects are responses (type REJECTED with a
    reject_reason), never exceptions. Money arguments take str, decimal.Decimal or int; a float
    raises TypeError. Names (account, strategy, symbol) are resolved once; an unknown one raises
    KeyError listing the known ones. strategy defaults to the strategy named like the client,
    account to that strategy's account.

    Threads: wait() releases the GIL, so other threads run meanwhile; one thread at a time may
    poll()/wait() on a client (another may submit while it waits).
    """

    _reader: Reader | None = None

    @classmethod
    def attach(cls, engine: str, client: str) -> "Client":
        """Claim client slot `client` of engine `engine`. Raises ose.EngineNotRunning,
        ose.UnknownClient, ose.ClientInUse, ose.LayoutMismatch or ose.PermissionDenied."""
        return cls(engine, client)

    @property
    def state(self) -> Reader:
        """An ose.Reader of this client's engine (attached on first use)."""
        if self._reader is None:
            self._reader = Reader(self.engine)
        return self._reader

    def until_last(self, request: int, timeout: float = 5.0) -> list:
        """Every response received until the last one answering `request` (included), waiting
        at most `timeout` seconds in all. Responses to other requests and unsolicited ones
        (fills, expiries) met on the way are in the list too."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            r = self.wait(timeout=max(0.0, deadline - time.monotonic()))
            if r is None:
                raise TimeoutError(f"no last response to request {request} within {timeout} s")
            out.append(r)
            if r.request == request and r.last:
                return out

    async def next_response(self, timeout: float | None = None):
        """The next Response (or None after `timeout` seconds) without blocking the event loop:
        polls, sleeping between looks from 50 µs up to 1 ms while idle."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        delay = 0.0
        while True:
            r = self.poll()
            if r is not None:
                return r
            if deadline is not None and loop.time() >= deadline:
                return None
            await asyncio.sleep(delay)
            delay = min(0.001, delay * 2 if delay else 0.00005)

    async def responses(self):
        """Async iterator over responses: `async for r in client.responses(): ...`."""
        while True:
            yield await self.next_response()

    def __aiter__(self):
        return self.responses()
