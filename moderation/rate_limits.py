"""Who is asking: the client's address, believing X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable, Sequence

from aiohttp import web

from .setting_parsers import Network, Rate, parse_rate


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request: web.Request, proxies: Sequence[Network]) -> str:
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
    """Submissions per client address in a moving window (MODERATION_RATE_LIMIT).

    A few lines of our own rather than a library: what is needed is one deque of recent times
    per address, and a clock that tests can move.
    """

    def __init__(self, rate: Rate | str, clock: Callable[[], float] = time.monotonic):
        # The config gives a Rate; its text ("5/minute") reads as well.
        self.count, self.period = parse_rate(rate) if isinstance(rate, str) else rate
        self._clock = clock
        self._recent: dict[str, deque[float]] = {}

    def retry_after(self, address: str) -> int | None:
        """None if this client may submit now (and counts it); otherwise the seconds to wait."""
        now = self._clock()
        recent = self._recent.setdefault(address, deque())
        while recent and recent[0] <= now - self.period:
            recent.popleft()
        if len(recent) >= self.count:
            return max(1, math.ceil(recent[0] + self.period - now))
        recent.append(now)
        if len(self._recent) > 10_000:  # forget clients that have gone quiet, so memory stays small
            self._recent = {key: times for key, times in self._recent.items() if times[-1] > now - self.period}
        return None

    def near(self, address: str) -> bool:
        """Whether this client has used at least half its allowance in the window, the post just
        counted included (MODERATION_CHALLENGE=suspicious asks it for a proof of work). Counts nothing."""
        recent = self._recent.get(address)
        if not recent:
            return False
        since = self._clock() - self.period
        used = sum(1 for moment in recent if moment > since)
        return 2 * used >= self.count


# Requests at /mydata per client address: each may mail a link, so the form cannot be used to
# learn much by trying addresses, nor to flood anyone (each address gets one a day at most).
DATA_REQUESTS = "5/hour"


class SigninLimits:
    """Sign-in requests per address and per client, so that the form cannot flood a mailbox."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._per_address = RateLimit("3/15 minutes", clock)
        self._per_client = RateLimit("10/hour", clock)

    def allow(self, client: str, moderator: str | None) -> bool:
        """Whether to mail a sign-in link now; the request counts either way."""
        if self._per_client.retry_after(client) is not None:
            return False
        return moderator is not None and self._per_address.retry_after(moderator.lower()) is None
