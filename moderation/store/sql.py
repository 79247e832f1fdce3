"""The domain's SQL, written once for both dialects; the drivers live in sqlite.py and postgres.py."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidParent
from ..models import (
    CLI,
    REMOVED,
    SYSTEM,
    Action,
    AuditEntry,
    Backlog,
    Channel,
    Comment,
    CommentStatus,
    Decided,
    Forgotten,
    Listing,
    MailKind,
    NewComment,
    Notification,
    Thread,
)
from . import audit, digests
from .queue import QueueSql
from .rows import COMMENT_COLUMNS, COMMENT_FROM, body_digest
from .rows import comment as _comment
from .sessions import SessionSql
from .tx import Row, Transaction, marks


class SqlStore(SessionSql, QueueSql):
    """Every domain method of the Store interface, in SQL both SQLite and PostgreSQL speak.

    Times are Unix seconds from the injected clock, stored as floating point numbers in both
    dialects, so that tests can move time and both stores behave the same.
    """

    # PostgreSQL instances share the outbox: a claimed row is skipped by the others.
    claim_lock = ""
    # PostgreSQL: rows read to decide on are locked; SQLite's BEGIN IMMEDIATE has one writer anyway.
    row_lock = ""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock

    def transaction(self, *, durable: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction. `durable=False` for the outbox's own bookkeeping: a crash of the
        process loses none of it; only a power cut could, and then a mail may go out twice."""
        raise NotImplementedError

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        """A read outside any write transaction."""
        raise NotImplementedError

    async def quick_fetch(self, sql: str, *args: Any) -> list[Row]:
        """A read by a unique index, which a driver may answer without leaving the event loop."""
        return await self.fetch(sql, *args)

    async def add_comment(self, comment: NewComment, notify: Sequence[str]) -> int:
        async with self.transaction() as tx:
            (stored,) = await self._insert_submissions(tx, [(comment, notify)])
        if isinstance(stored, InvalidParent):
            raise stored
        return stored

    async def _insert_submissions(
        self, tx: Transaction, submissions: Sequence[tuple[NewComment, Sequence[str]]]
    ) -> list[int | InvalidParent]:
        """Comments and their outbox rows: each one's id, or InvalidParent for a reply to something
        that is not an approved comment of its page (that one alone is not written)."""
        results = await self._insert_comments(tx, [comment for comment, _ in submissions])
        await self._insert_notifications(
            tx,
            [
                (result, recipients)
                for result, (_, recipients) in zip(results, submissions, strict=True)
                if isinstance(result, int)
            ],
        )
        return results

    async def _insert_comments(self, tx: Transaction, comments: Sequence[NewComment]) -> list[int | InvalidParent]:
        """Write comments in the open transaction: each one's id, or InvalidParent for a reply to
        something that is not an approved comment of its page (that one is not written)."""
        now = self._clock()
        await tx.executemany(
            "INSERT INTO threads (key, title) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
            " SET title = CASE WHEN excluded.title = '' THEN threads.title ELSE excluded.title END",
            [(comment.thread, comment.title) for comment in comments],
        )
        results: list[int | InvalidParent] = []
        for comment in comments:
            # One statement: the thread's id, the parent check and the insert.
            rows = await tx.fetch(
                "INSERT INTO comments (thread_id, parent_id, name, email, website, avatar, body, body_html,"
                " remote_addr, created_at, status, flags, body_digest)"
                " SELECT t.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.key = ?"
                " AND (CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM comments p"
                "      WHERE p.id = ? AND p.thread_id = t.id AND p.status = 'approved'))"
                " RETURNING id",
                comment.parent,
                comment.name,
                comment.email,
                comment.website,
                comment.avatar,
                comment.body,
                comment.body_html,
                comment.remote_addr,
                now,
                comment.status.value,
                comment.flags,
                body_digest(comment.body),
                comment.thread,
                comment.parent,
                comment.parent,
            )
            results.append(int(rows[0][0]) if rows else InvalidParent(comment.parent))
        await audit.append(
            tx,
            [
                audit.Change(result, None, comment.status, SYSTEM, Channel.SUBMISSION, comment.flags or None)
                for result, comment in zip(results, comments, strict=True)
                if isinstance(result, int)
            ],
            now,
        )
        return results

    async def _insert_notifications(self, tx: Transaction, notify: Sequence[tuple[int, Sequence[str]]]) -> None:
        """One outbox row per (comment, recipient), for any number of comments in one statement."""
        now = self._clock()
        rows = [(comment_id, recipient, now, now) for comment_id, recipients in notify for recipient in recipients]
        if rows:
            await tx.executemany(
                "INSERT INTO outbox (comment_id, recipient, next_attempt_at, created_at) VALUES (?, ?, ?, ?)", rows
            )

    async def has_comment_body(self, thread: str, body: str) -> bool:
        return bool(
            await self.quick_fetch(
                f"SELECT 1 FROM {COMMENT_FROM} WHERE t.key = ? AND c.body_digest = ? AND c.body = ? LIMIT 1",
                thread,
                body_digest(body),
                body,
            )
        )

    async def get_comment(self, comment_id: int) -> Comment | None:
        rows = await self.fetch(f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id = ?", comment_id)
        return _comment(rows[0]) if rows else None

    async def thread_version(self, key: str) -> int:
        rows = await self.quick_fetch("SELECT version FROM threads WHERE key = ?", key)
        return int(rows[0][0]) if rows else 0

    async def approved_thread(self, key: str) -> Thread:
        # The version is read first: if an approval lands in between, the newer list goes out
        # under the older version, and the next request simply gets it again.
        rows = await self.fetch("SELECT id, title, version FROM threads WHERE key = ?", key)
        if not rows:
            return Thread(key=key, title="", version=0, comments=[])
        thread_id, title, version = rows[0]
        comments = await self.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.thread_id = ? AND c.status = 'approved'"
            " ORDER BY c.id",
            thread_id,
        )
        return Thread(key=key, title=title, version=version, comments=[_comment(row) for row in comments])

    async def approved_counts(self, keys: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(keys, 0)
        if keys:
            for key, approved in await self.fetch(
                f"SELECT key, approved FROM threads WHERE key IN ({marks(len(keys))})", *keys
            ):
                counts[key] = approved
        return counts

    async def recent_approved(self, limit: int) -> list[Comment]:
        rows = await self.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.status = 'approved' ORDER BY c.id DESC LIMIT ?",
            limit,
        )
        return [_comment(row) for row in rows]

    async def decide(
        self, comment_ids: Sequence[int], action: Action, *, actor: str, channel: Channel, reason: str | None = None
    ) -> list[Decided]:
        async with self.transaction() as tx:
            return await self._decide(tx, comment_ids, action, actor, channel, reason)

    async def _decide(
        self,
        tx: Transaction,
        comment_ids: Sequence[int],
        action: Action,
        actor: str,
        channel: Channel,
        reason: str | None,
    ) -> list[Decided]:
        """decide() inside an open transaction, so that more may join it (a reply, in the queue)."""
        now = self._clock()
        # Locked while deciding (PostgreSQL): a racing decision waits, then finds it decided.
        found = await tx.fetch(
            f"SELECT id, thread_id, status FROM comments WHERE id IN ({marks(len(comment_ids))}) {self.row_lock}",
            *comment_ids,
        )
        applies = [(id_, thread, CommentStatus(status)) for id_, thread, status in found if status in action.applies_to]
        if applies:
            changing = [id_ for id_, _, _ in applies]
            await tx.execute(
                f"UPDATE comments SET status = ?, decided_at = ?, decided_by = ? WHERE id IN ({marks(len(changing))})",
                action.status.value,
                now,
                actor,
                *changing,
            )
            if action is Action.APPROVE:
                for thread_id, approved in Counter(thread for _, thread, _ in applies).items():
                    await self._count_published(tx, thread_id, approved)
            await audit.append(
                tx,
                [audit.Change(id_, before, action.status, actor, channel, reason) for id_, _, before in applies],
                now,
            )
        rows = await tx.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))}) ORDER BY c.id",
            *comment_ids,
        )
        last = await audit.last_entries(tx.fetch, comment_ids)
        changed = {id_ for id_, _, _ in applies}
        return [Decided(comment, comment.id in changed, last.get(comment.id)) for comment in map(_comment, rows)]

    async def last_decisions(self, comment_ids: Sequence[int]) -> dict[int, AuditEntry]:
        return await audit.last_entries(self.fetch, comment_ids)

    async def audit_log(self, since: float) -> list[AuditEntry]:
        return await audit.since(self.fetch, since)

    async def _count_published(self, tx: Transaction, thread_id: int, delta: int) -> None:
        """Change a thread's count of approved comments, and with it its version (the ETag)."""
        # Microseconds, not +1: a version never repeats even if the database is rebuilt.
        stamp = int(self._clock() * 1_000_000)
        await tx.execute(
            "UPDATE threads SET approved = approved + ?,"
            " version = CASE WHEN version >= ? THEN version + 1 ELSE ? END WHERE id = ?",
            delta,
            stamp,
            stamp,
            thread_id,
        )

    async def write(self, sql: str, *args: Any, durable: bool = True) -> list[Row]:
        """One statement on its own, as its own transaction; its rows (RETURNING) come back."""
        async with self.transaction(durable=durable) as tx:
            return await tx.fetch(sql, *args)

    async def claim_notifications(self, sender: str, silent_after: float, limit: int) -> list[Notification]:
        now = self._clock()
        # Free to take: unclaimed, claimed by this sender in a round it could not finish, or
        # claimed by a sender that has not been seen for `silent_after` seconds (it died).
        claimed = await self.write(
            "UPDATE outbox SET claimed_by = ? WHERE id IN ("
            "  SELECT o.id FROM outbox o WHERE o.status = 'pending' AND o.next_attempt_at <= ?"
            "  AND (o.claimed_by IS NULL OR o.claimed_by = ? OR NOT EXISTS ("
            "       SELECT 1 FROM senders s WHERE s.id = o.claimed_by AND s.seen_at >= ?))"
            f" ORDER BY o.next_attempt_at, o.id LIMIT ? {self.claim_lock}"
            ") RETURNING id",
            sender,
            now,
            sender,
            now - silent_after,
            limit,
            durable=False,
        )
        if not claimed:
            return []
        # Read after the claim committed: the rows are ours while this sender is seen alive.
        rows = await self.fetch(
            f"SELECT o.id, o.kind, o.recipient, o.attempts, o.created_at, o.payload, {COMMENT_COLUMNS}"
            " FROM outbox o LEFT JOIN comments c ON c.id = o.comment_id LEFT JOIN threads t ON t.id = c.thread_id"
            f" WHERE o.id IN ({marks(len(claimed))}) ORDER BY o.id",
            *(row[0] for row in claimed),
        )
        return [
            Notification(
                id=row[0],
                kind=MailKind(row[1]),
                recipient=row[2],
                attempts=row[3],
                created=datetime.fromtimestamp(row[4], UTC),
                payload=json.loads(row[5]),
                comment=None if row[6] is None else _comment(row[6:]),
            )
            for row in rows
        ]

    async def add_mail(
        self, kind: MailKind, recipient: str, payload: dict[str, Any], *, dedupe: str | None = None
    ) -> bool:
        now = self._clock()
        written = await self.write(
            "INSERT INTO outbox (kind, recipient, payload, dedupe, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
            kind.value,
            recipient,
            json.dumps(payload),
            dedupe,
            now,
            now,
        )
        return bool(written)

    # --- digests (the SQL is in digests.py) ---

    async def digest_marks(self) -> dict[str, float]:
        return await digests.marks_of(self.fetch)

    async def waiting_before(self, until: float, limit: int) -> digests.Waiting:
        return await digests.pending_before(self.fetch, until, limit)

    async def folded_waiting(self, moderator: str, since: float, until: float, limit: int) -> digests.Waiting:
        return await digests.folded_pending(self.fetch, moderator, since, until, limit)

    async def add_digest(self, moderator: str, payload: dict[str, Any], *, dedupe: str, covered_until: float) -> bool:
        async with self.transaction() as tx:
            return await digests.add_digest(
                tx, moderator, payload, dedupe=dedupe, covered_until=covered_until, now=self._clock()
            )

    async def mails_sent_since(self, recipient: str, kind: MailKind, since: float) -> int:
        return await digests.sent_since(self.fetch, recipient, kind, since)

    async def fold(self, notification_ids: Sequence[int]) -> None:
        sql, args = digests.fold(notification_ids, self._clock())
        await self.write(sql, *args, durable=False)

    async def digest_listing(self, comment_ids: Sequence[int]) -> Listing:
        found: dict[int, Comment] = {}
        if comment_ids:
            rows = await self.fetch(
                f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))})", *comment_ids
            )
            found = {comment.id: comment for comment in map(_comment, rows)}
        listed = tuple(found[id_] for id_ in comment_ids if id_ in found)  # a forgotten one is gone
        return Listing(listed, await digests.pending_count(self.fetch))

    async def heartbeat(self, sender: str, forget_after: float) -> None:
        now = self._clock()
        async with self.transaction(durable=False) as tx:
            await tx.execute(
                "INSERT INTO senders (id, seen_at) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                sender,
                now,
            )
            await tx.execute("DELETE FROM senders WHERE seen_at < ?", now - forget_after)

    async def release(self, sender: str, notification_ids: Sequence[int] = ()) -> None:
        """Give back claims of this sender without counting a try: the listed ones, or all."""
        only = f" AND id IN ({marks(len(notification_ids))})" if notification_ids else ""
        await self.write(
            f"UPDATE outbox SET claimed_by = NULL WHERE claimed_by = ?{only}", sender, *notification_ids, durable=False
        )

    async def sign_off(self, sender: str) -> None:
        await self.release(sender)
        await self.write("DELETE FROM senders WHERE id = ?", sender, durable=False)

    async def release_claims(self) -> None:
        """Nothing by default: other instances may hold live claims."""

    async def mark_sent(self, notification_id: int) -> None:
        await self.write(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_by = NULL,"
            " last_error = NULL WHERE id = ?",
            self._clock(),
            notification_id,
            durable=False,
        )

    async def mark_retry(self, notification_id: int, delay: float, error: str) -> None:
        await self.write(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, claimed_by = NULL,"
            " last_error = ? WHERE id = ?",
            self._clock() + delay,
            error,
            notification_id,
            durable=False,
        )

    async def mark_failed(self, notification_id: int, error: str) -> None:
        await self.write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, claimed_by = NULL,"
            " last_error = ? WHERE id = ?",
            error,
            notification_id,
            durable=False,
        )

    async def next_due(self) -> float | None:
        rows = await self.fetch(
            # Claimed rows are someone's: a dead sender's are found by the regular poll.
            "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending' AND claimed_by IS NULL"
        )
        due = rows[0][0]
        return None if due is None else float(due)

    async def backlog(self) -> Backlog:
        rows = await self.fetch(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed'),"
            " MIN(created_at) FILTER (WHERE status = 'pending') FROM outbox WHERE status IN ('pending', 'failed')"
        )
        pending, failed, oldest = rows[0]
        return Backlog(
            pending=pending,
            failed=failed,
            oldest_pending_seconds=None if oldest is None else round(max(0.0, self._clock() - oldest), 3),
        )

    async def purge_addresses(self, before: float) -> int:
        async with self.transaction() as tx:
            erased = await tx.fetch(
                "UPDATE comments SET email = '', avatar = '', remote_addr = ''"
                " WHERE status IN ('rejected', 'spam') AND email != '' AND COALESCE(decided_at, created_at) < ?"
                " RETURNING id",
                before,
            )
        return len(erased)

    async def forget(self, email: str) -> Forgotten:
        now = self._clock()
        async with self.transaction() as tx:
            rows = await tx.fetch(
                "SELECT c.id, c.thread_id, c.status FROM comments c WHERE LOWER(c.email) = LOWER(?)", email
            )
            if not rows:
                return Forgotten(comments=0, published=0, notifications=0)
            ids = [row[0] for row in rows]
            id_marks = marks(len(ids))
            # Replies by other people stay, moved up to the top of their thread.
            await tx.execute(f"UPDATE comments SET parent_id = NULL WHERE parent_id IN ({id_marks})", *ids)
            notifications = await tx.fetch(f"DELETE FROM outbox WHERE comment_id IN ({id_marks}) RETURNING id", *ids)
            await tx.execute(f"DELETE FROM comments WHERE id IN ({id_marks})", *ids)
            # The log keeps that each comment existed and was removed, and loses what it said of them.
            await tx.execute(
                "DELETE FROM audit_reasons WHERE entry_id IN"
                f" (SELECT id FROM audit_log WHERE comment_id IN ({id_marks}))",
                *ids,
            )
            await audit.append(
                tx,
                [audit.Change(id_, CommentStatus(status), REMOVED, CLI, Channel.CLI) for id_, _, status in rows],
                now,
            )
            published = [row for row in rows if row[2] == CommentStatus.APPROVED]
            for thread_id, removed in Counter(row[1] for row in published).items():
                await self._count_published(tx, thread_id, -removed)
        return Forgotten(comments=len(ids), published=len(published), notifications=len(notifications))

    async def ping(self) -> None:
        await self.fetch("SELECT 1")
