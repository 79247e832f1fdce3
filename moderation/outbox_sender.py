"""A sender's life, for mail and webhooks alike: a heartbeat, claims under its own name, sleeping
until something is due, growing gaps between tries, and giving up on what is too old.

Every instance sending from one table records a heartbeat (a row of its own) and names itself
in the rows it claims. Claims of an instance silent for SILENT_BEATS heartbeats are free again,
and the others take them at their next look (at most the poll later): so the work of an
instance that died is done within heartbeat x SILENT_BEATS + poll seconds (2 x 5 + 5 = 15 s).
The heartbeat runs beside the sending, so a slow server cannot make a live instance look dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from .config import Config
from .errors import StoreUnavailable
from .store.claims import Claims

log = logging.getLogger(__name__)

T = TypeVar("T")

GATHER = 0.05  # seconds to wait after a wake-up for more work to arrive with it
SILENT_BEATS = 5  # heartbeats missed before an instance counts as dead
FORGET_SENDERS_AFTER = 86400.0  # the heartbeat rows of long-dead instances go


class OutboxSender(Generic[T]):
    """The loop; a subclass says what is due (next_due), claims and delivers it (deliver_due)."""

    label = "sender"  # how its log lines begin

    def __init__(
        self,
        queue: Claims[T],
        pacing: Config,
        *,
        clock: Callable[[], float],
    ):
        self._queue = queue
        self._clock = clock
        # The tuning knobs of every sender's pace (tests shorten them).
        self._retry_base = pacing.retry_base
        self._retry_cap = pacing.retry_cap
        self._max_age = pacing.mail_max_age
        self._poll = pacing.outbox_poll
        self._heartbeat = pacing.heartbeat
        self._silent_after = SILENT_BEATS * pacing.heartbeat
        # This sender in the heartbeat table and in its claims; a worker's start with its slot's
        # name, so that the worker that takes the slot next frees them at once (release_stale).
        self._predecessor = f"{pacing.worker_name}-" if pacing.worker_name else ""
        self.name = self._predecessor + secrets.token_hex(8)
        self._last_beat = float("-inf")  # time.monotonic() of the last heartbeat written
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """New work is waiting: look now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish after the current step.

        Cancelling alone is not enough on Python 3.11: asyncio.wait_for, which aiosmtplib uses,
        drops a cancellation that arrives as the awaited operation fails (gh-86296).
        """
        self._stopping = True
        self._wake.set()

    @property
    def alive(self) -> bool:
        """Whether the others still see this sender alive, with a heartbeat to spare: only then may it send."""
        return time.monotonic() - self._last_beat < self._silent_after - self._heartbeat

    def backoff(self, attempts: int) -> float:
        """The gap before the next try: exponential, capped, with jitter so that instances do not retry in step."""
        return min(self._retry_cap, self._retry_base * 2.0**attempts) * random.uniform(0.75, 1.0)

    def too_old(self, created: datetime) -> bool:
        return self._clock() - created.timestamp() > self._max_age

    async def deliver_due(self) -> int:
        """Claim and deliver what is due; return how many were handled (0: nothing to do now)."""
        raise NotImplementedError

    async def next_due(self) -> float | None:
        """When the earliest unclaimed work may be tried (Unix seconds), if any."""
        return await self._queue.next_due()

    async def finish(self) -> None:
        """On the way out, before the claims are given back."""

    async def run(self) -> None:
        await self._queue.release_stale(self._predecessor)
        log.info("%s: sending as %s", self.label, self.name)
        await self._beat()
        beating = asyncio.create_task(self._beat_forever(), name=f"{self.label} heartbeat")
        try:
            while not self._stopping:
                try:
                    if self.alive and await self.deliver_due():
                        continue
                    await self._sleep_until_due()
                except StoreUnavailable as error:
                    log.warning("%s: database unavailable (%s); trying again shortly", self.label, error)
                    await asyncio.sleep(self._poll)
                except Exception:
                    log.exception("%s: unexpected error; the sender carries on", self.label)
                    await asyncio.sleep(self._poll)
        finally:
            try:
                await self.finish()
            finally:
                beating.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await beating
                # The others may take this sender's work at once, not after the silence.
                with contextlib.suppress(StoreUnavailable):
                    await self._queue.sign_off(self.name)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            await self._beat()

    async def _beat(self) -> None:
        started = time.monotonic()
        try:
            await self._queue.heartbeat(self.name, FORGET_SENDERS_AFTER)
        except StoreUnavailable as error:  # the sending loop says so; stop sending until it is back
            log.debug("%s: heartbeat not recorded (%s)", self.label, error)
        except Exception:
            log.exception("%s: heartbeat failed", self.label)
        else:
            self._last_beat = started

    async def _sleep_until_due(self) -> None:
        # Clear first, then look: a wake-up that lands in between still finds its row due.
        self._wake.clear()
        due = await self.next_due()
        delay = self._poll if due is None else min(self._poll, max(0.0, due - self._clock()))
        # asyncio.wait, not asyncio.timeout: on Python 3.11 a timeout that fires together with
        # a cancellation can swallow the cancellation, and the sender would never stop.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=delay)
        finally:
            waiter.cancel()
        if self._wake.is_set() and not self._stopping:
            # Woken by new work: let what is right behind it arrive too, so that a burst goes
            # out together (one SMTP session for many mails) instead of one at a time.
            await asyncio.sleep(GATHER)
