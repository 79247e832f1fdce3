"""The moderation queue's SQL, mixed into SqlStore: pages of one state, and replies by the site."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..models import Action, Channel, CommentStatus, Decided, NewComment, QueuePage, parse_cursor
from . import audit, readers
from .addresses import seal_email
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM, body_digest, comment
from .driver import StoreBase, Transaction


class _Base(StoreBase, Protocol):
    """StoreBase, and the decision helpers of SqlStore that a reply joins."""

    async def _decide(
        self,
        tx: Transaction,
        comment_ids: Sequence[int],
        action: Action,
        actor: str,
        channel: Channel,
        reason: str | None,
    ) -> list[Decided]: ...

    async def _count_published(self, tx: Transaction, thread_id: int, delta: int) -> None: ...

    async def _tell_hooks(self, tx: Transaction, comment_ids: Sequence[int]) -> None: ...


def oldest_first(status: CommentStatus) -> bool:
    # What waits is done in order of arrival; in the other tabs the latest matter most.
    return status is CommentStatus.PENDING


class QueueSql:
    async def queue(self: _Base, status: CommentStatus, after: str | None, limit: int) -> QueuePage:
        # Keyset pagination on (created_at, id): rows decided meanwhile leave the list without
        # shifting the rest, so a page neither skips nor repeats what is still there.
        ascending = oldest_first(status)
        order = "ASC" if ascending else "DESC"
        where = "c.status = ?"
        args: list[Any] = [status.value]
        if after is not None:
            where += f" AND (c.created_at, c.id) {'>' if ascending else '<'} (?, ?)"
            args += parse_cursor(after)
        rows = await self.fetch(
            f"SELECT {COMMENT_COLUMNS}, c.created_at FROM {COMMENT_FROM} WHERE {where}"
            f" ORDER BY c.created_at {order}, c.id {order} LIMIT ?",
            *args,
            limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        # The raw created_at, not the datetime: a float survives repr() exactly, microseconds may not.
        last = f"{rows[-1][-1]!r}:{rows[-1][0]}" if more else None
        return QueuePage(comments=[comment(row, self._sealer) for row in rows], next_cursor=last)

    async def count_by_status(self: _Base, statuses: Sequence[CommentStatus]) -> dict[CommentStatus, int]:
        counts = dict.fromkeys(statuses, 0)
        for status in statuses:  # one indexed count each: the approved tab may be large and is not asked
            (row,) = await self.fetch("SELECT COUNT(*) FROM comments WHERE status = ?", status.value)
            counts[status] = int(row[0])
        return counts

    async def reply_as_site(
        self: _Base, parent_id: int, reply: NewComment, *, actor: str
    ) -> tuple[Decided | None, int | None]:
        """Approve a comment (if it waits) and publish the site's reply under it, in one transaction.

        No reply if the comment is gone, or someone rejected it or marked it as spam first.
        """
        async with self.transaction() as tx:
            decided = await self._decide(tx, [parent_id], Action.APPROVE, actor, Channel.QUEUE, None)
            if not decided or decided[0].comment.status is not CommentStatus.APPROVED:
                return (decided[0] if decided else None), None
            now = self._clock()
            (row,) = await tx.fetch(
                "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body,"
                " body_html, created_at, status, flags, body_digest, by_site, decided_at, decided_by)"
                " SELECT p.thread_id, p.id, ?, '', ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ? FROM comments p WHERE p.id = ?"
                " RETURNING id, thread_id",
                reply.name,
                self._sealer.index(reply.email),
                reply.website,
                reply.avatar,
                reply.body,
                reply.body_html,
                now,
                CommentStatus.APPROVED.value,
                body_digest(reply.body),
                True,
                now,
                actor,
                parent_id,
            )
            reply_id, thread_id = row
            await seal_email(tx, self._sealer, int(reply_id), reply.email)
            await self._count_published(tx, thread_id, 1)
            await audit.append(tx, [audit.Change(reply_id, None, CommentStatus.APPROVED, actor, Channel.QUEUE)], now)
            await readers.on_approved(tx, self._sealer, [int(reply_id)], now)  # the site's reply is a reply like any
            await self._tell_hooks(tx, [int(reply_id)])  # published like any approved comment
        return decided[0], int(reply_id)
