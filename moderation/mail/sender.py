"""The background mail sender: takes due mail from the outbox and delivers it over SMTP.

Claims, heartbeats and back-off are every sender's (outbox_sender.py); here is what is mail's own:
one SMTP session for many mails, refusals, outages of the mail server, bounces of readers' addresses.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import aiosmtplib

from ..config import Config
from ..errors import SessionFailed, StoreUnavailable
from ..metrics import Metrics
from ..models import READER_KINDS, Notification
from ..outbox_sender import OutboxSender
from ..sealer import UNREADABLE
from ..store.claims import Claims
from .smtp import SmtpConnection, SmtpSettings

log = logging.getLogger(__name__)

BATCH = 10
PATIENCE = 0.1  # the longest a mail waits for a moment with no request being answered


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


class MailSender(OutboxSender[Notification]):
    label = "outbox"

    def __init__(
        self,
        queue: Claims[Notification],
        smtp: SmtpSettings,
        compose: Callable[[Notification], EmailMessage[str, str]],
        metrics: Metrics,
        pacing: Config,
        *,
        clock: Callable[[], float],
        quiet: Callable[[float], Awaitable[None]] | None = None,
        prepare: Callable[[list[Notification]], Awaitable[list[Notification]]] | None = None,
        end_subscriptions: Callable[[str], Awaitable[int]],
    ):
        super().__init__(queue, pacing, clock=clock)
        # An address its mail server does not know: its subscriptions end (the readers' store).
        self._end_subscriptions = end_subscriptions
        self._smtp = smtp
        self._compose = compose
        self._metrics = metrics
        self._quiet = quiet
        # Looks at each claimed batch first: what it does not return, it has settled (mail/digests.py).
        self._prepare = prepare
        self._server_down = False

    async def _claim(self) -> list[Notification]:
        claimed = await self._queue.claim(self.name, self._silent_after, BATCH)
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
                    await self._queue.release(self.name, [notification.id for notification in waiting])
        return handled

    async def _deliver(self, smtp: SmtpConnection, notification: Notification) -> None:
        """Send one notification and record what happened; a broken session is the caller's."""
        # Requests first, at each step: composing a mail, and handing it over, each hold the
        # event loop for a fraction of a millisecond that a request waiting behind would pay.
        await self._let_requests_go_first()
        if notification.recipient == UNREADABLE:  # a damaged row, or a key no longer given: this mail alone
            reason = "the recipient's sealed address cannot be opened (damaged row, or its key was removed)"
            log.error("outbox: gave up on %s: %s", notification, reason)
            await self._queue.mark_failed(notification.id, reason)
            self._metrics.mail_failed.inc()
            return
        try:
            message = self._compose(notification)
        except Exception as error:  # a mail that cannot be written will never be sent
            log.exception("outbox: cannot compose %s", notification)
            await self._queue.mark_failed(notification.id, describe(error))
            self._metrics.mail_failed.inc()
            return
        await self._let_requests_go_first()
        try:
            await smtp.send(message)
        except aiosmtplib.SMTPException as error:  # the server answered about this message: the session goes on
            await self._failed(notification, error)
            return
        await self._queue.mark_sent(notification.id)
        self._metrics.mail_sent.inc()
        log.info("outbox: sent %s", notification)

    async def _let_requests_go_first(self) -> None:
        # Under a flood mail still goes out: each step waits PATIENCE seconds at most.
        if self._quiet is not None:
            await self._quiet(PATIENCE)

    async def _failed(self, notification: Notification, error: BaseException, *, outage: bool = False) -> None:
        reason = describe(error)
        if (is_permanent(error) and not outage) or self.too_old(notification.created):
            await self._queue.mark_failed(notification.id, reason)
            self._metrics.mail_failed.inc()
            log.error("outbox: gave up on %s after %d tries: %s", notification, notification.attempts + 1, reason)
            if notification.kind in READER_KINDS and not outage and no_such_user(error):
                # A reader's address that does not exist: mail to it would only bounce again.
                ended = await self._end_subscriptions(notification.recipient)
                log.info("outbox: ended %d subscriptions of an address its server does not know", ended)
            return
        delay = self.backoff(notification.attempts)
        await self._queue.mark_retry(notification.id, delay, reason)
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
            (await self._queue.backlog()).pending,
        )

    async def _server_answers(self) -> None:
        if not self._server_down:
            return
        self._server_down = False
        log.info(
            "outbox: the mail server %s:%d answers again; %d mails wait",
            self._smtp.host,
            self._smtp.port,
            (await self._queue.backlog()).pending,
        )
