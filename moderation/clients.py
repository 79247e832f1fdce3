"""Who is asking: the client's address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Sequence
from typing import Any

import limits
from aiohttp import web
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


def _trusted(address: str, proxies: Sequence[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: web.Request, proxies: Sequence[Any]) -> str:
    """The right-most address that no trusted proxy vouches for.

    Every trusted proxy appends the address it saw, so walking from the right past trusted hops
    finds the first one nobody can have forged.
    """
    peer = request.remote or ""
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in request.headers.getall("X-Forwarded-For", []) for hop in value.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: trust only what we saw
    return peer


class RateLimit:
    """Submissions per client address, in a moving window (MODERATION_RATE_LIMIT)."""

    def __init__(self, rate: str):
        self._item = limits.parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def retry_after(self, address: str) -> int | None:
        """None if this client may submit now; otherwise the seconds to wait."""
        if self._limiter.hit(self._item, address):
            return None
        reset = self._limiter.get_window_stats(self._item, address).reset_time
        return max(1, math.ceil(reset - time.time()))  # limits keeps its own wall-clock time
