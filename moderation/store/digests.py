"""Digests' SQL: what waits, what is new to each moderator, the digest row, and the burst cap's count."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ..mail.payloads import DigestMail
from ..models import MailKind
from ..policy.writes import Mail
from ..sealer import Sealer
from .driver import Row, Transaction, marks
from .enqueue import enqueue

Fetch = Callable[..., Awaitable[list[Row]]]


@dataclass(frozen=True)
class Waiting:
    """Comments waiting for approval: how many, the ids of the oldest few, when the newest came."""

    count: int
    oldest: list[int]
    newest: float | None  # Unix seconds; None when nothing waits


async def marks_of(fetch: Fetch) -> dict[str, float]:
    """Each moderator's latest digest covered what arrived before this time."""
    return {
        moderator: float(until) for moderator, until in await fetch("SELECT moderator, covered_until FROM digest_marks")
    }


async def pending_before(fetch: Fetch, until: float, limit: int) -> Waiting:
    # Once per period: a scan of the comments is cheap at that rate, and an index on pending
    # comments would cost every submission a write.
    ((count, newest),) = await fetch(
        "SELECT COUNT(*), MAX(created_at) FROM comments WHERE status = 'pending' AND created_at < ?", until
    )
    oldest = await fetch(
        "SELECT id FROM comments WHERE status = 'pending' AND created_at < ? ORDER BY created_at, id LIMIT ?",
        until,
        limit,
    )
    return Waiting(int(count), [row[0] for row in oldest], None if newest is None else float(newest))


async def folded_pending(fetch: Fetch, moderator_index: str, since: float, until: float, limit: int) -> Waiting:
    """The comments whose mail to this moderator was folded between then and now, and still wait."""
    rows = await fetch(
        "SELECT c.id, c.created_at FROM outbox o JOIN comments c ON c.id = o.comment_id"
        " WHERE o.recipient_index = ? AND o.sent_at >= ? AND o.sent_at < ? AND o.status = 'folded' AND o.kind = ?"
        " AND c.status = 'pending' ORDER BY c.created_at, c.id",
        moderator_index,
        since,
        until,
        MailKind.NEW_COMMENT.value,
    )
    ids = [row[0] for row in rows]
    return Waiting(len(ids), ids[:limit], max((float(row[1]) for row in rows), default=None))


async def add_digest(
    tx: Transaction,
    sealer: Sealer,
    moderator: str,
    payload: DigestMail,
    *,
    dedupe: str,
    covered_until: float,
    now: float,
) -> bool:
    """The digest row, once per key however many instances try, and the moderator's new mark with it."""
    written = await enqueue(tx, sealer, [Mail(MailKind.DIGEST, moderator, payload=payload, dedupe=dedupe)], now)
    if written:
        await tx.execute(
            "INSERT INTO digest_marks (moderator, covered_until) VALUES (?, ?) ON CONFLICT (moderator) DO UPDATE"
            " SET covered_until = CASE WHEN excluded.covered_until > digest_marks.covered_until"
            " THEN excluded.covered_until ELSE digest_marks.covered_until END",
            moderator,
            covered_until,
        )
    return bool(written)


async def sent_since(fetch: Fetch, recipient_index: str, kind: MailKind, since: float) -> int:
    ((count,),) = await fetch(
        "SELECT COUNT(*) FROM outbox WHERE recipient_index = ? AND sent_at >= ? AND status = 'sent' AND kind = ?",
        recipient_index,
        since,
        kind.value,
    )
    return int(count)


def fold(notification_ids: Sequence[int], now: float) -> tuple[str, list[float]]:
    """These mails are not sent: the next digest lists their comments. sent_at says when."""
    return (
        "UPDATE outbox SET status = 'folded', sent_at = ?, claimed_by = NULL"
        f" WHERE status = 'pending' AND id IN ({marks(len(notification_ids))})",
        [now, *notification_ids],
    )


async def pending_count(fetch: Fetch) -> int:
    ((count,),) = await fetch("SELECT COUNT(*) FROM comments WHERE status = 'pending'")
    return int(count)
