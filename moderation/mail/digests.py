"""Digests: at most one mail per moderator and period that lists what waits, and the burst cap.

MODERATION_NOTIFY=hourly or daily: submissions write no mail (policy/moderator_mail.py). At each boundary (on
the hour, or 00:00 UTC) every moderator to whom something new waits (a comment that arrived
since their previous digest's boundary) gets one digest: the oldest comments waiting, each with
its own links, and the queue for the rest.

MODERATION_NOTIFY=immediate: one mail per comment, but a moderator who got MODERATION_BURST_CAP
(20) of them in the current clock hour gets no more that hour. The sender folds those mails
instead of sending them, and at the next hour's boundary the moderator gets one digest of the
folded comments that still wait. A spam storm then costs each moderator about 21 mails an hour.

Every instance runs the task. The digest of one moderator and period has one dedupe key, so on
one PostgreSQL database it is written once however many instances try.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from ..config import Config, NotifyMode
from ..errors import StoreUnavailable
from ..metrics import Metrics
from ..models import MailKind, Notification
from ..store.digests import Digests
from .payloads import DigestMail, DigestMode

log = logging.getLogger(__name__)

HOUR = 3600.0
DAY = 86400.0
LISTED = 25  # comments one digest lists; the queue has the rest
# A digest covers what arrived before its boundary, and is written this long after it: a
# submission that read the clock just before the boundary has committed by then.
SETTLE = 5.0


def period_start(now: float, length: float) -> float:
    """The boundary at or before `now`: Unix time is UTC, so whole days start at 00:00 UTC."""
    return now - now % length


def period_length(config: Config) -> float:
    # Immediate mode has hourly digests too: those of the mail the burst cap folded.
    return DAY if config.notify is NotifyMode.DAILY else HOUR


class DigestWriter:
    """The background task: at each boundary, each moderator's digest, if something new waits."""

    def __init__(self, digests: Digests, config: Config, *, clock: Callable[[], float]):
        self._digests = digests
        self._moderators = config.moderators
        self._mode = config.notify
        self._length = period_length(config)
        self._poll = config.digest_poll
        self._clock = clock

    async def run(self) -> None:
        """At each boundary (plus SETTLE), write that period's digests; the clock is re-read at
        least every `digest_poll` seconds, so a clock that jumps (tests) is followed too."""
        done: float | None = None  # the latest period whose digests this instance wrote
        while True:
            now = self._clock()
            start = period_start(now, self._length)
            # Started in mid-period, an instance writes this period's digests at once (if no other
            # instance did): they cover what arrived before the boundary, so none goes out early.
            due = start + SETTLE if done != start else start + self._length + SETTLE
            if now < due:
                await asyncio.sleep(min(self._poll, due - now))
                continue
            try:
                await self.write_digests(start)
            except StoreUnavailable as error:
                log.warning("digests: database unavailable (%s); trying again shortly", error)
                await asyncio.sleep(self._poll)
                continue
            except Exception:
                log.exception("digests: writing failed; trying again at the next period")
            done = start

    async def write_digests(self, boundary: float) -> int:
        """Each moderator's digest for the period starting at `boundary`, if something new waits."""
        marks = await self._digests.marks()
        everything = None
        if self._mode is not NotifyMode.IMMEDIATE:
            everything = await self._digests.waiting_before(boundary, LISTED)
        written = 0
        for moderator in self._moderators:
            since = marks.get(moderator, 0.0)  # their previous digest's boundary
            if everything is None:  # the comments whose mail was folded since then
                waiting = await self._digests.folded_waiting(moderator, since, boundary, LISTED)
                new = waiting.count > 0
            else:  # everything that waits, if anything of it arrived since then
                waiting = everything
                new = waiting.newest is not None and waiting.newest >= since
            if not new:
                continue
            # The ids only: the comments are read as they are when the digest is sent.
            mode = DigestMode.BURST if everything is None else DigestMode(self._mode)
            payload = DigestMail(period=boundary, mode=mode, comments=tuple(waiting.oldest))
            dedupe = f"digest:{moderator}:{int(boundary)}"
            if await self._digests.add(moderator, payload, dedupe=dedupe, covered_until=boundary):
                written += 1
        if written:
            log.info("digests: %d written for the period from %s", written, datetime.fromtimestamp(boundary, UTC))
        return written


class Outgoing:
    """The sender's look at each claimed batch before sending: the burst cap, and digests' contents."""

    def __init__(self, digests: Digests, metrics: Metrics, *, cap: int | None, clock: Callable[[], float]):
        self._digests = digests
        self._cap = cap  # mails about single comments to one moderator in one clock hour; None: no cap
        self._metrics = metrics
        self._clock = clock

    async def before_send(self, batch: list[Notification]) -> list[Notification]:
        """What of a claimed batch goes out: mail past the burst cap is folded, digests read
        their comments as they are now. Every mail not returned is settled here."""
        hour = period_start(self._clock(), HOUR)
        sent: dict[str, int] = {}  # this hour's mails per moderator, those of this batch included
        going: list[Notification] = []
        folded: list[int] = []
        for notification in batch:
            if notification.kind is MailKind.NEW_COMMENT and self._cap is not None:
                recipient = notification.recipient
                if recipient not in sent:
                    sent[recipient] = await self._digests.sent_since(recipient, MailKind.NEW_COMMENT, hour)
                if sent[recipient] >= self._cap:
                    folded.append(notification.id)
                    continue
                sent[recipient] += 1
            elif notification.kind is MailKind.DIGEST:
                listing = await self._digests.listing(DigestMail.from_json(notification.payload).comments)
                notification = dataclasses.replace(notification, listing=listing)
            going.append(notification)
        if folded:
            await self._digests.fold(folded)
            self._metrics.mail_folded.inc(len(folded))
            log.info("outbox: %d mails past the burst cap wait for the hour's digest", len(folded))
        return going
