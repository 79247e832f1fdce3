"""A webhook receiver for tests: a real aiohttp server on loopback that records every POST.

It answers as the test says: a list of answers for the next tries, then 200; or it takes its
time, like a receiver that hangs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SECRET = "whsec-the-tests-own-webhook-secret"


@dataclass(frozen=True)
class Try:
    """One POST as it arrived, and what the receiver answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float  # time.monotonic()

    @property
    def json(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str] | None = None


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    """The receiver's check, as the README shows it."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


class Receiver:
    def __init__(self, port: int = 0):
        # 0: the system picks a free port; a fixed one is for a receiver that comes back where it was.
        self.port = port
        self.tries: list[Try] = []
        self.answers: list[Answer] = []  # for the next tries, in order; then 200
        self.delay = 0.0  # seconds to sit on each request before answering
        self.arrivals: list[float] = []  # time.monotonic() of each POST, answered or not
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/comments"

    @property
    def delivered(self) -> list[Try]:
        return [t for t in self.tries if 200 <= t.status < 300]

    def events(self) -> Counter[tuple[str, int]]:
        """How often each (event, comment id) was delivered."""
        return Counter((t.json["event"], t.json["id"]) for t in self.delivered)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.arrivals.append(time.monotonic())
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.answers.pop(0) if self.answers else Answer(200)
        self.tries.append(Try(request.path, dict(request.headers), body, answer.status, time.monotonic()))
        return web.Response(status=answer.status, headers=answer.headers)
