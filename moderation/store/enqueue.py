"""The one writer of what the policy decided: outbox mail (its recipient sealed), webhook rows and
the spam classifier's lessons, in the change's own transaction, which then wakes the senders
once it commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .. import policy
from ..config import Config
from ..events import CommentDecided, CommentSubmitted, Event, SiteReplied
from ..links import Links
from ..mail.payloads import PublishedMail, dump
from ..models import MailKind
from ..policy.writes import NO_FACTS, Facts, Hook, Lesson, ReaderMail, Write
from ..sealer import Sealer
from . import mine, readers, spam_model
from .addresses import seal_recipient
from .driver import Database, Transaction


async def enqueue(tx: Transaction, sealer: Sealer, writes: Sequence[Write], now: float) -> int:
    """Write every row; how many were written (a mail whose dedupe key exists already is not)."""
    written = 0
    hooks: list[tuple[str, str, int, str, float, float]] = []
    await spam_model.teach(tx, [write for write in writes if isinstance(write, Lesson)])
    for write in writes:
        if isinstance(write, Lesson):
            continue
        if isinstance(write, Hook):
            hooks.append((write.url, write.event, write.comment_id, write.body, now, now))
        elif isinstance(write, ReaderMail):
            links = await readers.links(tx, write, now)
            if isinstance(links, PublishedMail):  # and the author's own link to take it down again
                links = replace(links, manage=await mine.mint_link(tx, write.comment_id, now))
            payload = dump(links)
            written += await mail_row(
                tx, sealer, write.kind, write.recipient, payload, now, comment_id=write.comment_id
            )
        else:
            payload = "{}" if write.payload is None else dump(write.payload)
            written += await mail_row(
                tx, sealer, write.kind, write.recipient, payload, now, comment_id=write.comment_id, dedupe=write.dedupe
            )
    if hooks:
        await tx.executemany(
            "INSERT INTO webhook_outbox (url, event, comment_id, body, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            hooks,
        )
        tx.wakes_senders = True
    return written + len(hooks)


async def mail_row(
    tx: Transaction,
    sealer: Sealer,
    kind: MailKind,
    recipient: str,
    payload: str,
    now: float,
    *,
    comment_id: int | None = None,
    dedupe: str | None = None,
) -> int:
    """One outbox row, its payload's JSON as given: 1 if written, 0 if its dedupe key exists."""
    written = await tx.fetch(
        "INSERT INTO outbox (kind, comment_id, recipient, recipient_index, payload, dedupe, next_attempt_at,"
        " created_at) VALUES (?, ?, '', ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
        kind.value,
        comment_id,
        sealer.index(recipient),
        payload,
        dedupe,
        now,
        now,
    )
    if not written:
        return 0
    await seal_recipient(tx, sealer, int(written[0][0]), recipient)
    tx.wakes_senders = True
    return 1


class Consequences:
    """What follows from events, as the policy says, written in the transaction that made them."""

    def __init__(self, db: Database, config: Config, links: Links):
        self._db = db
        self._config = config  # what the policy reads: the moderators, the mode, the webhooks
        self._links = links

    async def write(self, tx: Transaction, events: Sequence[Event], facts: Mapping[int, Facts] | None = None) -> None:
        """`facts`: what was looked up for each comment, by its id."""
        writes = [
            write
            for event in events
            for write in policy.follow(event, self._config, self._links, _facts_of(event, facts))
        ]
        await enqueue(tx, self._db.sealer, writes, self._db.now())


def _facts_of(event: Event, facts: Mapping[int, Facts] | None) -> Facts:
    """What was looked up for the comment an event is about."""
    if isinstance(event, CommentSubmitted | CommentDecided):
        key = event.comment.id
    elif isinstance(event, SiteReplied):
        key = event.reply.id
    else:
        return NO_FACTS
    return (facts or {}).get(key, NO_FACTS)
