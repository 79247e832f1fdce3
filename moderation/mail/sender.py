"""The background sender: takes due mail from the outbox and delivers it over SMTP.

Every instance sending from one outbox records a heartbeat (a row of its own) and names itself
in the rows it claims. Claims of an instance silent for SILENT_BEATS heartbeats are free again,
and the others take them at their next look (at most the outbox poll later): so mail of an
instance that died is sent within heartbeat x SILENT_BEATS + poll seconds (2 x 5 + 5 = 15 s).
The heartbeat runs beside the sending, so a slow mail server cannot make a live instance look dead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib

from ..errors import StoreUnavailable
from ..metrics import Metrics
from ..models import READER_KINDS, Notification
from ..sealing import UNREADABLE
from ..store import Store
from .smtp import SessionFailed, SmtpConnection, SmtpSettings

log = logging.getLogger(__name__)

BATCH = 10
GATHER = 0.05  # seconds to wait after a wake-up for more mail to share the session
PATIENCE = 0.1  # the longest a mail waits for a moment with no request being answered
SILENT_BEATS = 5  # heartbeats missed before an instance counts as dead
FORGET_SENDERS_AFTER = 86400.0  # the heartbeat rows of long-dead instances go


def is_permanent(error: BaseException) -> bool:
    """A 5xx answer about this message means the server will never take it: stop trying."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refused.code >= 500 for refused in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500


# 550 mailbox unavailable, 551 user not local, 553 mailbox name not allowed: the address is not there.
NO_SUCH_USER = (550, 551, 553)


def no_such_user(error: BaseException) -> bool:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(refused.code in NO_SUCH_USER for refused in error.recipients)
    return isinstance(error, aiosmtplib.SMTPResponseException) and error.code in NO_SUCH_USER


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
        heartbeat: float,
        quiet: Callable[[float], Awaitable[None]] | None = None,
        prepare: Callable[[list[Notification]], Awaitable[list[Notification]]] | None = None,
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
        self._heartbeat = heartbeat
        self._quiet = quiet
        # Looks at each claimed batch first: what it does not return, it has settled (mail/digests.py).
        self._prepare = prepare
        self._silent_after = SILENT_BEATS * heartbeat
        self.name = secrets.token_hex(8)  # this sender in the heartbeat table and in its claims
        self._last_beat = float("-inf")  # time.monotonic() of the last heartbeat written
        self._server_down = False
        self._wake = asyncio.Event()
        self._stopping = False

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

    @property
    def alive(self) -> bool:
        """Whether the others still see this sender alive, with a heartbeat to spare: only then may it send."""
        return time.monotonic() - self._last_beat < self._silent_after - self._heartbeat

    async def run(self) -> None:
        await self._store.release_claims()
        log.info("outbox: sending as %s", self.name)
        await self._beat()
        beating = asyncio.create_task(self._beat_forever(), name="outbox heartbeat")
        try:
            while not self._stopping:
                try:
                    if self.alive and await self.deliver_due():
                        continue
                    await self._sleep_until_due()
                except StoreUnavailable as error:
                    log.warning("outbox: database unavailable (%s); trying again shortly", error)
                    await asyncio.sleep(self._poll)
                except Exception:
                    log.exception("outbox: unexpected error; the sender carries on")
                    await asyncio.sleep(self._poll)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            # The others may take this sender's mail at once, not after the silence.
            with contextlib.suppress(StoreUnavailable):
                await self._store.sign_off(self.name)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            await self._beat()

    async def _beat(self) -> None:
        started = time.monotonic()
        try:
            await self._store.heartbeat(self.name, FORGET_SENDERS_AFTER)
        except StoreUnavailable as error:  # the sending loop says so; stop sending until it is back
            log.debug("outbox: heartbeat not recorded (%s)", error)
        except Exception:
            log.exception("outbox: heartbeat failed")
        else:
            self._last_beat = started

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

    async def _claim(self) -> list[Notification]:
        claimed = await self._store.claim_notifications(self.name, self._silent_after, BATCH)
        if claimed and self._prepare is not None:
            return await self._prepare(claimed)
        return claimed

    async def deliver_due(self) -> int:
        """Send what is due, batch after batch in one SMTP session; return how many were handled.

        Every claimed mail is accounted for: sent, refused, tried and failed, or given back.
        """
        waiting = await self._claim()
        if not waiting:
            return 0
        handled = 0
        in_flight: Notification | None = None
        try:
            async with SmtpConnection(self._smtp) as smtp:
                await self._server_answers()
                while waiting and self.alive and smtp.is_open:
                    in_flight = waiting.pop(0)
                    await self._deliver(smtp, in_flight)
                    in_flight = None
                    handled += 1
                    if not waiting and not self._stopping:
                        waiting = await self._claim()
        except SessionFailed as failure:
            error = failure.__cause__ or failure
            if in_flight is None:  # no session at all: the server cannot be reached, each mail was tried
                await self._server_unreachable(error)
                for notification in waiting:
                    await self._failed(notification, error, outage=True)
                handled += len(waiting)
                waiting = []
            else:  # the mail in flight broke it and counts a try; those behind it go back without one
                await self._failed(in_flight, error)
                handled += 1
        finally:
            if waiting:  # not sent for a reason of this sender's (stopping, silent, session closed)
                with contextlib.suppress(StoreUnavailable):
                    await self._store.release(self.name, [notification.id for notification in waiting])
        return handled

    async def _deliver(self, smtp: SmtpConnection, notification: Notification) -> None:
        """Send one notification and record what happened; a broken session is the caller's."""
        # Requests first, at each step: composing a mail, and handing it over, each hold the
        # event loop for a fraction of a millisecond that a request waiting behind would pay.
        await self._let_requests_go_first()
        if notification.recipient == UNREADABLE:  # a damaged row, or a key no longer given: this mail alone
            reason = "the recipient's sealed address cannot be opened (damaged row, or its key was removed)"
            log.error("outbox: gave up on %s: %s", notification, reason)
            await self._store.mark_failed(notification.id, reason)
            self._metrics.mail_failed.inc()
            return
        try:
            message = self._compose(notification)
        except Exception as error:  # a mail that cannot be written will never be sent
            log.exception("outbox: cannot compose %s", notification)
            await self._store.mark_failed(notification.id, describe(error))
            self._metrics.mail_failed.inc()
            return
        await self._let_requests_go_first()
        try:
            await smtp.send(message)
        except aiosmtplib.SMTPException as error:  # the server answered about this message: the session goes on
            await self._failed(notification, error)
            return
        await self._store.mark_sent(notification.id)
        self._metrics.mail_sent.inc()
        log.info("outbox: sent %s", notification)

    async def _let_requests_go_first(self) -> None:
        # Under a flood mail still goes out: each step waits PATIENCE seconds at most.
        if self._quiet is not None:
            await self._quiet(PATIENCE)

    async def _failed(self, notification: Notification, error: BaseException, *, outage: bool = False) -> None:
        reason = describe(error)
        age = self._clock() - notification.created.timestamp()
        if (is_permanent(error) and not outage) or age > self._max_age:
            await self._store.mark_failed(notification.id, reason)
            self._metrics.mail_failed.inc()
            log.error("outbox: gave up on %s after %d tries: %s", notification, notification.attempts + 1, reason)
            if notification.kind in READER_KINDS and not outage and no_such_user(error):
                # A reader's address that does not exist: mail to it would only bounce again.
                ended = await self._store.end_subscriptions_of(notification.recipient)
                log.info("outbox: ended %d subscriptions of an address its server does not know", ended)
            return
        # Exponential back-off with jitter, so that instances do not retry in step.
        delay = min(self._retry_cap, self._retry_base * 2**notification.attempts) * random.uniform(0.75, 1.0)
        await self._store.mark_retry(notification.id, delay, reason)
        self._metrics.mail_retried.inc()
        # In an outage every waiting mail fails on every try: the outage itself is logged once.
        log.log(
            logging.DEBUG if outage else logging.WARNING,
            "outbox: %s not sent (%s); next try in %.1f s",
            notification,
            reason,
            delay,
        )

    async def _server_unreachable(self, error: BaseException) -> None:
        if self._server_down:
            return
        self._server_down = True
        log.warning(
            "outbox: the mail server %s:%d cannot be reached (%s); %d mails wait, tried again with growing gaps",
            self._smtp.host,
            self._smtp.port,
            describe(error),
            (await self._store.backlog()).pending,
        )

    async def _server_answers(self) -> None:
        if not self._server_down:
            return
        self._server_down = False
        log.info(
            "outbox: the mail server %s:%d answers again; %d mails wait",
            self._smtp.host,
            self._smtp.port,
            (await self._store.backlog()).pending,
        )
