"""The domain's SQL, written once for both dialects; the drivers live in sqlite.py and postgres.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from ..errors import InvalidParent
from ..models import (
    CLI,
    REMOVED,
    SYSTEM,
    Action,
    AuditEntry,
    ByHand,
    Channel,
    Comment,
    CommentStatus,
    Decided,
    Forgotten,
    NewComment,
    Thread,
    ThreadState,
)
from ..sealer import Sealer
from ..webhooks.events import Hooks
from . import addresses, audit, readers, rekeying, titles, webhooks
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM, THREAD_STATE, body_digest
from .comment_rows import comment as _comment
from .comment_rows import thread_state as _thread_state
from .driver import Row, Transaction, marks
from .imports import ImportSql
from .outbox import OutboxSql
from .queue import QueueSql
from .readers import ReaderSql
from .sessions import SessionSql
from .webhooks import WebhookSql


class SqlStore(OutboxSql, WebhookSql, SessionSql, QueueSql, ReaderSql, ImportSql):
    """Every domain method of the Store interface, in SQL both SQLite and PostgreSQL speak.

    Times are Unix seconds from the injected clock, stored as floating point numbers in both
    dialects, so that tests can move time and both stores behave the same.
    """

    # PostgreSQL instances share the outbox: a claimed row is skipped by the others.
    claim_lock = ""
    # PostgreSQL: rows read to decide on are locked; SQLite's BEGIN IMMEDIATE has one writer anyway.
    row_lock = ""

    def __init__(self, clock: Callable[[], float], sealer: Sealer, hooks: Hooks):
        self._clock = clock
        self._sealer = sealer
        self._hooks = hooks

    async def migrate(self) -> list[str]:
        """SQL migrations, then the data steps: seal what an older version stored in clear, and key
        the readers' tables by the index."""
        applied = await self._migrate_sql()
        async with self.transaction() as tx:
            await addresses.check_keys(tx, self._sealer)
        total = 0
        while done := await self._in_transaction(addresses.seal_plaintext):
            total += done
        if total:
            await self._scrub()
            applied.append(f"sealed {total} stored addresses")
        # After the sealing: the re-keying reads the index of every comment's address.
        async with self.transaction() as tx:
            rekeyed = await rekeying.rekey(tx, self._clock())
        if rekeyed:
            applied.append(f"re-keyed {rekeyed} reader rows by the index key")
        return applied

    async def _migrate_sql(self) -> list[str]:
        raise NotImplementedError

    async def _scrub(self) -> None:
        """After addresses were rewritten: leave no old copy where the database keeps free space."""

    async def _in_transaction(self, step: Callable[[Transaction, Sealer], Any]) -> int:
        async with self.transaction() as tx:
            return int(await step(tx, self._sealer))

    async def rotate_keys(self, report: Callable[[int], None] = lambda done: None) -> int:
        """Re-seal every row under the newest key, one committed batch at a time."""
        total = 0
        after: dict[str, int] = {}
        while True:
            async with self.transaction() as tx:
                seen = await addresses.rotate_batch(tx, self._sealer, after)
            if not seen:
                break
            total += seen
            report(total)
        if total:
            await self._scrub()
        return total

    async def key_counts(self) -> addresses.KeyCounts:
        return await addresses.counts(self.fetch, self._sealer)

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
        await self._tell_hooks(tx, [result for result in results if isinstance(result, int)])
        return results

    async def _tell_hooks(self, tx: Transaction, comment_ids: Sequence[int]) -> None:
        """The webhooks of these comments' present states, in the transaction that set them."""
        if not self._hooks.urls or not comment_ids:
            return
        rows = await tx.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))}) ORDER BY c.id",
            *comment_ids,
        )
        await webhooks.write(tx, self._hooks, [_comment(row, self._sealer) for row in rows], self._clock())

    async def _insert_comments(self, tx: Transaction, comments: Sequence[NewComment]) -> list[int | InvalidParent]:
        """Write comments in the open transaction: each one's id, or InvalidParent for a reply to
        something that is not an approved comment of its page (that one is not written)."""
        now = self._clock()
        # The title the submitter sent stays with the comment: the thread's is not a reader's to set.
        await tx.executemany(
            "INSERT INTO threads (key, first_comment_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
            # The first comment starts the thread's age (MODERATION_CLOSE_AFTER_DAYS), whatever its fate.
            " SET first_comment_at = COALESCE(threads.first_comment_at, excluded.first_comment_at)",
            [(comment.thread, now) for comment in comments],
        )
        results: list[int | InvalidParent] = []
        for comment in comments:
            # One statement: the thread's id, the parent check and the insert.
            rows = await tx.fetch(
                "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body,"
                " body_html, remote_addr, created_at, status, flags, body_digest, lang, submitted_title)"
                " SELECT t.id, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.key = ?"
                " AND (CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM comments p"
                "      WHERE p.id = ? AND p.thread_id = t.id AND p.status = 'approved'))"
                " RETURNING id",
                comment.parent,
                comment.name,
                self._sealer.index(comment.email),
                comment.website,
                comment.avatar,
                comment.body,
                comment.body_html,
                comment.remote_addr,
                now,
                comment.status.value,
                comment.flags,
                body_digest(comment.body),
                comment.lang or None,
                comment.title,
                comment.thread,
                comment.parent,
                comment.parent,
            )
            if rows:
                await addresses.seal_email(tx, self._sealer, int(rows[0][0]), comment.email)
            results.append(int(rows[0][0]) if rows else InvalidParent(comment.parent))
        await readers.add_subscriptions(
            tx,
            self._sealer,
            [
                (result, comment.email)
                for result, comment in zip(results, comments, strict=True)
                if isinstance(result, int) and comment.notify
            ],
            now,
        )
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
        for comment_id, recipients in notify:
            for recipient in recipients:
                ((outbox_id,),) = await tx.fetch(
                    "INSERT INTO outbox (comment_id, recipient, recipient_index, next_attempt_at, created_at)"
                    " VALUES (?, '', ?, ?, ?) RETURNING id",
                    comment_id,
                    self._sealer.index(recipient),
                    now,
                    now,
                )
                await addresses.seal_recipient(tx, self._sealer, int(outbox_id), recipient)

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
        return _comment(rows[0], self._sealer) if rows else None

    async def thread_state(self, key: str) -> ThreadState:
        rows = await self.quick_fetch(f"SELECT {THREAD_STATE} FROM threads WHERE key = ?", key)
        return _thread_state(rows[0]) if rows else ThreadState()

    async def approved_thread(self, key: str) -> Thread:
        # The version is read first: if an approval lands in between, the newer list goes out
        # under the older version, and the next request simply gets it again.
        rows = await self.fetch(f"SELECT id, title, {THREAD_STATE} FROM threads WHERE key = ?", key)
        if not rows:
            return Thread(key=key, title="", state=ThreadState(), comments=[])
        thread_id, title, *state = rows[0]
        comments = await self.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.thread_id = ? AND c.status = 'approved'"
            # By when they were written, not by id: imported comments get their ids in file order.
            " ORDER BY c.created_at, c.id",
            thread_id,
        )
        return Thread(
            key=key, title=title, state=_thread_state(state), comments=[_comment(row, self._sealer) for row in comments]
        )

    async def set_by_hand(self, key: str, by_hand: ByHand) -> ThreadState:
        async with self.transaction() as tx:
            before = await tx.fetch(f"SELECT {THREAD_STATE} FROM threads WHERE key = ? {self.row_lock}", key)
            # A thread with no comment yet gets its row now: closed ahead, it stays closed when one comes.
            await tx.execute(
                "INSERT INTO threads (key, title, by_hand) VALUES (?, '', ?)"
                " ON CONFLICT (key) DO UPDATE SET by_hand = excluded.by_hand",
                key,
                by_hand.value,
            )
        return _thread_state(before[0]) if before else ThreadState()

    async def set_title(self, key: str, title: str) -> str:
        async with self.transaction() as tx:
            before = await tx.fetch(f"SELECT title FROM threads WHERE key = ? {self.row_lock}", key)
            # As closing: a thread with no comment yet gets its row now, and keeps the title.
            await tx.execute(
                "INSERT INTO threads (key, title) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET title = excluded.title",
                key,
                title,
            )
        return str(before[0][0]) if before else ""

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
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.status = 'approved'"
            " ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
            limit,
        )
        return [_comment(row, self._sealer) for row in rows]

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
                await titles.from_approved(tx, changing)
                # Readers who asked hear of it with the approval, or not at all.
                await readers.on_approved(tx, self._sealer, changing, now)
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
        comments = [_comment(row, self._sealer) for row in rows]
        if self._hooks.urls:
            await webhooks.write(tx, self._hooks, [comment for comment in comments if comment.id in changed], now)
        return [Decided(comment, comment.id in changed, last.get(comment.id)) for comment in comments]

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

    async def purge_addresses(self, before: float) -> int:
        async with self.transaction() as tx:
            erased = await tx.fetch(
                "UPDATE comments SET email = '', email_index = '', avatar = '', remote_addr = ''"
                " WHERE status IN ('rejected', 'spam') AND email != '' AND COALESCE(decided_at, created_at) < ?"
                " RETURNING id",
                before,
            )
        return len(erased)

    async def forget(self, email: str) -> Forgotten:
        now = self._clock()
        async with self.transaction() as tx:
            index = self._sealer.index(email)
            rows = await tx.fetch("SELECT c.id, c.thread_id, c.status FROM comments c WHERE c.email_index = ?", index)
            reader_mail = await readers.forget(tx, [row[0] for row in rows], index)
            if not rows:
                return Forgotten(comments=0, published=0, notifications=0, reader_mail=reader_mail)
            ids = [row[0] for row in rows]
            id_marks = marks(len(ids))
            # Replies by other people stay, moved up to the top of their thread.
            await tx.execute(f"UPDATE comments SET parent_id = NULL WHERE parent_id IN ({id_marks})", *ids)
            notifications = await tx.fetch(f"DELETE FROM outbox WHERE comment_id IN ({id_marks}) RETURNING id", *ids)
            # Webhook bodies carry the name and the text: they go with the comments.
            await tx.execute(f"DELETE FROM webhook_outbox WHERE comment_id IN ({id_marks})", *ids)
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
        return Forgotten(
            comments=len(ids), published=len(published), notifications=len(notifications), reader_mail=reader_mail
        )

    async def ping(self) -> None:
        await self.fetch("SELECT 1")
