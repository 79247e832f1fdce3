"""Digests' SQL: what waits, what is new to each moderator, the digest row, the burst cap's count,
and the comments a digest lists as they are when it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..mail.payloads import DigestMail
from ..models import Comment, Listing, MailKind
from ..policy.writes import Mail
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM
from .comment_rows import comment as _comment
from .driver import Database, marks
from .enqueue import enqueue


@dataclass(frozen=True)
class Waiting:
    """Comments waiting for approval: how many, the ids of the oldest few, when the newest came."""

    count: int
    oldest: list[int]
    newest: float | None  # Unix seconds; None when nothing waits


class Digests:
    def __init__(self, db: Database):
        self._db = db

    async def marks(self) -> dict[str, float]:
        """Each moderator's latest digest covered what arrived before this time (Unix seconds)."""
        rows = await self._db.fetch("SELECT moderator, covered_until FROM digest_marks")
        return {moderator: float(until) for moderator, until in rows}

    async def waiting_before(self, until: float, limit: int) -> Waiting:
        """Pending comments that arrived before `until`: how many, the oldest `limit`, the newest's time."""
        # Once per period: a scan of the comments is cheap at that rate, and an index on pending
        # comments would cost every submission a write.
        ((count, newest),) = await self._db.fetch(
            "SELECT COUNT(*), MAX(created_at) FROM comments WHERE status = 'pending' AND created_at < ?", until
        )
        oldest = await self._db.fetch(
            "SELECT id FROM comments WHERE status = 'pending' AND created_at < ? ORDER BY created_at, id LIMIT ?",
            until,
            limit,
        )
        return Waiting(int(count), [row[0] for row in oldest], None if newest is None else float(newest))

    async def folded_waiting(self, moderator: str, since: float, until: float, limit: int) -> Waiting:
        """Pending comments whose mail to `moderator` was folded (burst cap) in [since, until)."""
        rows = await self._db.fetch(
            "SELECT c.id, c.created_at FROM outbox o JOIN comments c ON c.id = o.comment_id"
            " WHERE o.recipient_index = ? AND o.sent_at >= ? AND o.sent_at < ? AND o.status = 'folded'"
            " AND o.kind = ? AND c.status = 'pending' ORDER BY c.created_at, c.id",
            self._db.sealer.index(moderator),
            since,
            until,
            MailKind.NEW_COMMENT.value,
        )
        ids = [row[0] for row in rows]
        return Waiting(len(ids), ids[:limit], max((float(row[1]) for row in rows), default=None))

    async def add(self, moderator: str, payload: DigestMail, *, dedupe: str, covered_until: float) -> bool:
        """The digest row, once per key however many instances try, and the moderator's new mark
        with it. Returns whether it was written."""
        async with self._db.transaction() as tx:
            digest = Mail(MailKind.DIGEST, moderator, payload=payload, dedupe=dedupe)
            written = await enqueue(tx, self._db.sealer, [digest], self._db.now())
            if written:
                await tx.execute(
                    "INSERT INTO digest_marks (moderator, covered_until) VALUES (?, ?) ON CONFLICT (moderator)"
                    " DO UPDATE SET covered_until = CASE WHEN excluded.covered_until > digest_marks.covered_until"
                    " THEN excluded.covered_until ELSE digest_marks.covered_until END",
                    moderator,
                    covered_until,
                )
        return bool(written)

    async def sent_since(self, recipient: str, kind: MailKind, since: float) -> int:
        """How many mails of this kind went to `recipient` from then on."""
        ((count,),) = await self._db.fetch(
            "SELECT COUNT(*) FROM outbox WHERE recipient_index = ? AND sent_at >= ? AND status = 'sent' AND kind = ?",
            self._db.sealer.index(recipient),
            since,
            kind.value,
        )
        return int(count)

    async def fold(self, notification_ids: Sequence[int]) -> None:
        """Settle these mails without sending them: the next digest lists their comments. sent_at says when."""
        await self._db.write(
            "UPDATE outbox SET status = 'folded', sent_at = ?, claimed_by = NULL"
            f" WHERE status = 'pending' AND id IN ({marks(len(notification_ids))})",
            self._db.now(),
            *notification_ids,
            durable=False,
        )

    async def listing(self, comment_ids: Sequence[int]) -> Listing:
        """These comments as they are now (a removed one left out, and one its author withdrew or
        deleted: nothing of it is left to show), and how many wait in all."""
        found: dict[int, Comment] = {}
        if comment_ids:
            rows = await self._db.fetch(
                f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))})"
                " AND c.status NOT IN ('withdrawn', 'deleted')",
                *comment_ids,
            )
            found = {comment.id: comment for comment in (_comment(row, self._db.sealer) for row in rows)}
        listed = tuple(found[id_] for id_ in comment_ids if id_ in found)  # a forgotten one is gone
        ((count,),) = await self._db.fetch("SELECT COUNT(*) FROM comments WHERE status = 'pending'")
        return Listing(listed, int(count))
