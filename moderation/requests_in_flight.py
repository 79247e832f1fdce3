"""Requests being answered right now, for background work that should let them go first."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from aiohttp.typedefs import Handler

# A lull must last this long to count as one: in a steady stream of requests the next one is
# usually a fraction of a millisecond behind the last answer.
SETTLE = 0.002


class InFlight:
    """How many requests are being answered; background work waits for a lull with none."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_answer = float("-inf")  # time.monotonic() when the last request was answered

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self._count -= 1
            self._last_answer = time.monotonic()
            if not self._count:
                self._idle.set()

    async def quiet(self, patience: float) -> None:
        """Return in a lull (SETTLE seconds with no request being answered), or after `patience`
        seconds at most."""
        deadline = time.monotonic() + patience
        while (left := deadline - time.monotonic()) > 0:
            if self._count:
                # asyncio.wait, not wait_for: see OutboxSender._sleep_until_due.
                waiter = asyncio.ensure_future(self._idle.wait())
                try:
                    await asyncio.wait({waiter}, timeout=left)
                finally:
                    waiter.cancel()
            elif (since := time.monotonic() - self._last_answer) >= SETTLE:
                return
            else:
                await asyncio.sleep(min(SETTLE - since, left))
