"""The embedded store: one SQLite file in WAL mode, one writer, one reader."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from ..errors import InvalidParent, StoreUnavailable
from ..models import Action, Backlog, Comment, CommentStatus, NewComment, Notification, Thread
from .migrate import migration_files

COMMENT_COLUMNS = """
    c.id, t.key, t.title, c.parent_id, c.name, c.email, c.website, c.avatar,
    c.body, c.body_html, c.status, c.created_at
"""


def _comment(row: Sequence[Any]) -> Comment:
    return Comment(
        id=row[0],
        thread=row[1],
        title=row[2],
        parent=row[3],
        name=row[4],
        email=row[5],
        website=row[6],
        avatar=row[7],
        body=row[8],
        body_html=row[9],
        status=CommentStatus(row[10]),
        created=datetime.fromtimestamp(row[11], UTC),
    )


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    # "database is locked" (another process kept the lock past the busy timeout), "database or
    # disk is full", I/O errors: none is the client's fault, all may pass. Say so, don't crash.
    try:
        yield
    except sqlite3.OperationalError as error:
        raise StoreUnavailable(str(error)) from error


class SqliteStore:
    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, clock: Callable[[], float]):
        self._writer = writer
        self._reader = reader
        self._clock = clock
        # aiosqlite runs one connection's statements in order, but two coroutines could still
        # interleave their statements inside one transaction: the lock keeps them apart.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, clock: Callable[[], float]) -> SqliteStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await cls._connect(path)
        async with _translated_errors(), writer.execute("PRAGMA journal_mode = WAL") as cursor:
            await cursor.fetchall()
        reader = await cls._connect(path)
        return cls(writer, reader, clock)

    @staticmethod
    async def _connect(path: Path) -> aiosqlite.Connection:
        # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE itself.
        connection = await aiosqlite.connect(path, isolation_level=None)
        async with _translated_errors():
            await connection.executescript(
                "PRAGMA busy_timeout = 5000;"
                "PRAGMA foreign_keys = ON;"
                "PRAGMA synchronous = FULL;"  # a 202 survives power loss, not only a crash
            )
        return connection

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the write lock: writers queue, they never fail."""
        async with self._write_lock, _translated_errors():
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with _translated_errors():
            async with self._reader.execute(sql, params) as cursor:
                return list(await cursor.fetchall())

    async def migrate(self) -> list[str]:
        applied: list[str] = []
        async with self._write_lock, _translated_errors():
            await self._writer.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            async with self._writer.execute("SELECT name FROM schema_migrations") as cursor:
                done = {row[0] for row in await cursor.fetchall()}
            for path in migration_files("sqlite"):
                if path.name in done:
                    continue
                # executescript() would commit an open transaction first, so the script opens
                # its own; the ledger row then joins it and both commit together.
                try:
                    await self._writer.executescript("BEGIN IMMEDIATE;\n" + path.read_text())
                    await self._writer.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        (path.name, self._clock()),
                    )
                    await self._writer.execute("COMMIT")
                except BaseException:
                    if self._writer.in_transaction:
                        await self._writer.execute("ROLLBACK")
                    raise
                applied.append(path.name)
        return applied

    async def add_comment(self, comment: NewComment, notify: Sequence[str]) -> int:
        now = self._clock()
        async with self._transaction() as db:
            async with db.execute(
                "INSERT INTO threads (key, title) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET title = CASE WHEN excluded.title = '' THEN title ELSE excluded.title END"
                " RETURNING id",
                (comment.thread, comment.title),
            ) as cursor:
                (thread_id,) = await cursor.fetchone()  # type: ignore[misc]
            if comment.parent is not None:
                async with db.execute(
                    "SELECT 1 FROM comments WHERE id = ? AND thread_id = ? AND status = 'approved'",
                    (comment.parent, thread_id),
                ) as cursor:
                    if await cursor.fetchone() is None:
                        raise InvalidParent(comment.parent)
            cursor = await db.execute(
                "INSERT INTO comments (thread_id, parent_id, name, email, website, avatar, body, body_html,"
                " remote_addr, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    thread_id,
                    comment.parent,
                    comment.name,
                    comment.email,
                    comment.website,
                    comment.avatar,
                    comment.body,
                    comment.body_html,
                    comment.remote_addr,
                    now,
                ),
            )
            comment_id = cursor.lastrowid
            await db.executemany(
                "INSERT INTO outbox (comment_id, recipient, next_attempt_at, created_at) VALUES (?, ?, ?, ?)",
                [(comment_id, recipient, now, now) for recipient in notify],
            )
        assert comment_id is not None
        return comment_id

    async def get_comment(self, comment_id: int) -> Comment | None:
        rows = await self._read(
            f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = ?",
            (comment_id,),
        )
        return _comment(rows[0]) if rows else None

    async def thread_version(self, key: str) -> int:
        rows = await self._read("SELECT version FROM threads WHERE key = ?", (key,))
        return rows[0][0] if rows else 0

    async def approved_thread(self, key: str) -> Thread:
        # The version is read first: if an approval lands in between, the newer list goes out
        # under the older version, and the next request simply gets it again.
        rows = await self._read("SELECT id, title, version FROM threads WHERE key = ?", (key,))
        if not rows:
            return Thread(key=key, title="", version=0, comments=[])
        thread_id, title, version = rows[0]
        comments = await self._read(
            f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id"
            " WHERE c.thread_id = ? AND c.status = 'approved' ORDER BY c.id",
            (thread_id,),
        )
        return Thread(key=key, title=title, version=version, comments=[_comment(row) for row in comments])

    async def approved_counts(self, keys: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(keys, 0)
        if keys:
            marks = ", ".join("?" * len(keys))
            for key, approved in await self._read(f"SELECT key, approved FROM threads WHERE key IN ({marks})", keys):
                counts[key] = approved
        return counts

    async def recent_approved(self, limit: int) -> list[Comment]:
        rows = await self._read(
            f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id"
            " WHERE c.status = 'approved' ORDER BY c.id DESC LIMIT ?",
            (limit,),
        )
        return [_comment(row) for row in rows]

    async def decide(self, comment_id: int, action: Action, moderator: str) -> tuple[Comment, bool]:
        async with self._transaction() as db:
            cursor = await db.execute(
                "UPDATE comments SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'pending'"
                " RETURNING thread_id",
                (action.status, self._clock(), moderator, comment_id),
            )
            row = await cursor.fetchone()
            await cursor.close()
            if row is not None and action is Action.APPROVE:
                # Microseconds, not +1: a version never repeats even if the database is rebuilt.
                await db.execute(
                    "UPDATE threads SET approved = approved + 1, version = MAX(version + 1, ?) WHERE id = ?",
                    (int(self._clock() * 1_000_000), row[0]),
                )
            async with db.execute(
                f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = ?",
                (comment_id,),
            ) as cursor:
                current = await cursor.fetchone()
        if current is None:
            raise LookupError(comment_id)
        return _comment(current), row is not None

    async def claim_notifications(self, lease: float, limit: int) -> list[Notification]:
        now = self._clock()
        async with self._transaction() as db:
            async with db.execute(
                "UPDATE outbox SET claimed_until = ? WHERE id IN ("
                "  SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?"
                "  AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT ?"
                ") RETURNING id",
                (now + lease, now, now, limit),
            ) as cursor:
                ids = [row[0] for row in await cursor.fetchall()]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            async with db.execute(
                f"SELECT o.id, o.recipient, o.attempts, o.created_at, {COMMENT_COLUMNS}"
                " FROM outbox o JOIN comments c ON c.id = o.comment_id JOIN threads t ON t.id = c.thread_id"
                f" WHERE o.id IN ({marks}) ORDER BY o.id",
                ids,
            ) as cursor:
                rows = await cursor.fetchall()
        return [
            Notification(
                id=row[0],
                recipient=row[1],
                attempts=row[2],
                created=datetime.fromtimestamp(row[3], UTC),
                comment=_comment(row[4:]),
            )
            for row in rows
        ]

    async def release_claims(self) -> None:
        async with self._transaction() as db:
            await db.execute("UPDATE outbox SET claimed_until = NULL WHERE status = 'pending'")

    async def mark_sent(self, notification_id: int) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_until = NULL,"
                " last_error = NULL WHERE id = ?",
                (self._clock(), notification_id),
            )

    async def mark_retry(self, notification_id: int, delay: float, error: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, claimed_until = NULL,"
                " last_error = ? WHERE id = ?",
                (self._clock() + delay, error, notification_id),
            )

    async def mark_failed(self, notification_id: int, error: str) -> None:
        async with self._transaction() as db:
            await db.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, claimed_until = NULL,"
                " last_error = ? WHERE id = ?",
                (error, notification_id),
            )

    async def next_due(self) -> float | None:
        rows = await self._read(
            "SELECT MIN(MAX(next_attempt_at, COALESCE(claimed_until, 0))) FROM outbox WHERE status = 'pending'"
        )
        due: float | None = rows[0][0]
        return due

    async def backlog(self) -> Backlog:
        rows = await self._read(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed'),"
            " MIN(created_at) FILTER (WHERE status = 'pending') FROM outbox WHERE status IN ('pending', 'failed')"
        )
        pending, failed, oldest = rows[0]
        return Backlog(
            pending=pending,
            failed=failed,
            oldest_pending_seconds=None if oldest is None else round(max(0.0, self._clock() - oldest), 3),
        )

    async def ping(self) -> None:
        await self._read("SELECT 1")
