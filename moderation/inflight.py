"""Requests being answered right now, for background work that should let them go first."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler


class InFlight:
    """How many requests are being answered; background work waits for a moment with none."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self._count -= 1
            if not self._count:
                self._idle.set()

    async def quiet(self, patience: float) -> None:
        """Return when no request is being answered, or after `patience` seconds at most."""
        if not self._count:
            return
        # asyncio.wait, not wait_for: see OutboxSender._sleep_until_due.
        waiter = asyncio.ensure_future(self._idle.wait())
        try:
            await asyncio.wait({waiter}, timeout=patience)
        finally:
            waiter.cancel()
