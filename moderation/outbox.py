"""The background sender: takes due notifications from the outbox and delivers them."""

from __future__ import annotations

import asyncio
import logging
import random
import re
from collections.abc import Callable
from email.message import EmailMessage

import aiosmtplib

from .errors import StoreUnavailable
from .mail import SmtpConnection, SmtpSettings
from .metrics import Metrics
from .models import Notification
from .store import Store

log = logging.getLogger(__name__)

BATCH = 10
GATHER = 0.05  # seconds to wait after a wake-up for more mail to share the session


def is_permanent(error: BaseException) -> bool:
    """A 5xx answer means the server will never take this message: stop trying."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refused.code >= 500 for refused in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500


ADDRESS = re.compile(r"[^\s<>()\[\]'\",;:]+@[^\s<>()\[\]'\",;:]+")


def describe(error: BaseException) -> str:
    """The error for the log and the outbox row, without the addresses SMTP servers echo back."""
    return ADDRESS.sub("<address>", f"{type(error).__name__}: {error}")[:500]


class OutboxSender:
    def __init__(
        self,
        store: Store,
        smtp: SmtpSettings,
        compose: Callable[[Notification], EmailMessage],
        metrics: Metrics,
        *,
        clock: Callable[[], float],
        retry_base: float,
        retry_cap: float,
        max_age: float,
        poll: float,
    ):
        self._store = store
        self._smtp = smtp
        self._compose = compose
        self._metrics = metrics
        self._clock = clock
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._max_age = max_age
        self._poll = poll
        self._wake = asyncio.Event()
        self._stopping = False
        # A claim outlives the slowest batch: connecting, then for every message the four SMTP
        # commands of a transaction (MAIL, RCPT, DATA, the data), each bounded by the timeout.
        self._lease = (2 + 4 * BATCH) * smtp.timeout

    def wake(self) -> None:
        """New mail is waiting: look now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish after the current step.

        Cancelling alone is not enough on Python 3.11: asyncio.wait_for, which aiosmtplib uses,
        drops a cancellation that arrives as the awaited operation fails (gh-86296).
        """
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        await self._store.release_claims()
        while not self._stopping:
            try:
                if await self.deliver_due():
                    continue
                await self._sleep_until_due()
            except StoreUnavailable as error:
                log.warning("outbox: database unavailable (%s); trying again shortly", error)
                await asyncio.sleep(self._poll)
            except Exception:
                log.exception("outbox: unexpected error; the sender carries on")
                await asyncio.sleep(self._poll)

    async def _sleep_until_due(self) -> None:
        # Clear first, then look: a wake-up that lands in between still finds its row due.
        self._wake.clear()
        due = await self._store.next_due()
        delay = self._poll if due is None else min(self._poll, max(0.0, due - self._clock()))
        # asyncio.wait, not asyncio.timeout: on Python 3.11 a timeout that fires together with
        # a cancellation can swallow the cancellation, and the sender would never stop.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=delay)
        finally:
            waiter.cancel()
        if self._wake.is_set() and not self._stopping:
            # Woken by a new comment: let the ones right behind it arrive too, so that a burst
            # goes out in one SMTP session instead of one session per comment.
            await asyncio.sleep(GATHER)

    async def deliver_due(self) -> int:
        """Send what is due, batch after batch in one SMTP session; return how many were handled."""
        waiting = await self._store.claim_notifications(self._lease, BATCH)
        handled = 0
        if not waiting:
            return handled
        try:
            async with SmtpConnection(self._smtp) as smtp:
                while waiting:
                    await self._deliver(smtp, waiting.pop(0))
                    handled += 1
                    if not waiting and not self._stopping:
                        waiting = await self._store.claim_notifications(self._lease, BATCH)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            # The connection failed or broke: whatever was not sent waits for the next try.
            for notification in waiting:
                await self._failed(notification, error)
            handled += len(waiting)
        return handled

    async def _deliver(self, smtp: SmtpConnection, notification: Notification) -> None:
        """Send one notification and record what happened; connection errors are the caller's."""
        try:
            message = self._compose(notification)
        except Exception as error:  # a mail that cannot be written will never be sent
            log.exception("outbox: cannot compose notification %d", notification.id)
            await self._store.mark_failed(notification.id, describe(error))
            self._metrics.mail_failed.inc()
            return
        try:
            await smtp.send(message)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused) as error:
            await self._failed(notification, error)  # the server answered: the session goes on
            return
        await self._store.mark_sent(notification.id)
        self._metrics.mail_sent.inc()
        log.info("outbox: sent notification %d for comment %d", notification.id, notification.comment.id)

    async def _failed(self, notification: Notification, error: BaseException) -> None:
        reason = describe(error)
        age = self._clock() - notification.created.timestamp()
        if is_permanent(error) or age > self._max_age:
            await self._store.mark_failed(notification.id, reason)
            self._metrics.mail_failed.inc()
            log.error(
                "outbox: gave up on notification %d for comment %d after %d tries: %s",
                notification.id,
                notification.comment.id,
                notification.attempts + 1,
                reason,
            )
            return
        # Exponential back-off with jitter, so that instances do not retry in step.
        delay = min(self._retry_cap, self._retry_base * 2**notification.attempts) * random.uniform(0.75, 1.0)
        await self._store.mark_retry(notification.id, delay, reason)
        self._metrics.mail_retried.inc()
        log.warning(
            "outbox: notification %d for comment %d not sent (%s); next try in %.1f s",
            notification.id,
            notification.comment.id,
            reason,
            delay,
        )
