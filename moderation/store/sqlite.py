"""The embedded database: one SQLite file in WAL mode; writers that take turns, a reader, a quick look."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import aiosqlite

from ..errors import StoreUnavailable
from ..sealer import Sealer
from .driver import GroupWork, Listener, Row, SqlValue, TransactionWork
from .group_commit import GroupCommit
from .migrate import migration_files

T = TypeVar("T")
R = TypeVar("R")


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    # "database is locked" (another process kept the lock past the busy timeout), "database or
    # disk is full", I/O errors: none is the client's fault, all may pass. Say so, don't crash.
    try:
        yield
    except sqlite3.OperationalError as error:
        raise StoreUnavailable(str(error)) from error


class _Transaction:
    def __init__(self, connection: aiosqlite.Connection):
        self._connection = connection
        self.wakes_senders = False

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        # One trip to the connection's thread: execute, fetch and close a cursor would be three.
        return list(await self._connection.execute_fetchall(sql, args))

    async def execute(self, sql: str, *args: SqlValue) -> None:
        await self._connection.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[tuple[SqlValue, ...]]) -> None:
        await self._connection.executemany(sql, rows)

    async def announce(self, topic: str, payload: str) -> None:
        pass  # nobody listens: see SqliteDatabase.listen


class _OnTheThread:
    """The Transaction interface on the sqlite3 connection itself, for code already running on
    the connection's thread: its awaits never suspend, so `_drive` runs the domain SQL's
    coroutines to their end in one go."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection
        self.wakes_senders = False

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        return self._connection.execute(sql, args).fetchall()

    async def execute(self, sql: str, *args: SqlValue) -> None:
        self._connection.execute(sql, args)

    async def executemany(self, sql: str, rows: Sequence[tuple[SqlValue, ...]]) -> None:
        self._connection.executemany(sql, rows)

    async def announce(self, topic: str, payload: str) -> None:
        pass  # nobody listens: see SqliteDatabase.listen


def _drive(coroutine: Coroutine[object, None, T]) -> T:
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("SQL run on the connection's thread must not wait for anything")


class SqliteDatabase:
    claim_lock = ""
    row_lock = ""
    # One SQLite file is served by one process, or by one supervisor's workers, whose senders name
    # their slot: a claim left at a lone sender's start is from one that died (claims.release_stale).
    shared = False

    def __init__(
        self,
        writer: aiosqlite.Connection,
        bookkeeper: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        peek: sqlite3.Connection,
        clock: Callable[[], float],
        sealer: Sealer,
    ):
        self._writer = writer
        self._bookkeeper = bookkeeper
        self._reader = reader
        self._peek = peek
        self._clock = clock
        self.sealer = sealer
        self.on_commit: Callable[[], None] = lambda: None
        # aiosqlite runs one connection's statements in order, but two coroutines could still
        # interleave their statements inside one transaction: the lock keeps them apart.
        self._write_lock = asyncio.Lock()

    def now(self) -> float:
        return self._clock()

    @classmethod
    async def open(cls, path: Path, *, clock: Callable[[], float], sealer: Sealer) -> SqliteDatabase:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"cannot create {path.parent}: {error.strerror}") from error
        # Page caches (KiB) kept small, since the operating system caches the file too: the
        # writers touch few pages (the ends of tables and indexes), the reader reads threads.
        writer = await cls._connect(path, cache_kib=256)
        async with _translated_errors(), writer.execute("PRAGMA journal_mode = WAL") as cursor:
            await cursor.fetchall()
        # The outbox's own bookkeeping writes on a connection that does not sync every commit
        # (see Database.transaction); both writers take turns under one lock, never contend.
        bookkeeper = await cls._connect(path, cache_kib=256)
        async with _translated_errors():
            await bookkeeper.execute("PRAGMA synchronous = NORMAL")
        reader = await cls._connect(path, cache_kib=1024)
        peek = sqlite3.connect(path, isolation_level=None)
        peek.execute("PRAGMA busy_timeout = 50")
        peek.execute("PRAGMA query_only = ON")
        peek.execute("PRAGMA cache_size = -256")  # it only looks rows up by index
        return cls(writer, bookkeeper, reader, peek, clock, sealer)

    @staticmethod
    async def _connect(path: Path, *, cache_kib: int) -> aiosqlite.Connection:
        # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE itself.
        connection = await aiosqlite.connect(path, isolation_level=None)
        async with _translated_errors():
            await connection.executescript(
                "PRAGMA busy_timeout = 5000;"
                "PRAGMA foreign_keys = ON;"
                "PRAGMA synchronous = FULL;"  # a 202 survives power loss, not only a crash
                # Deleted and rewritten rows (an address before it was sealed, a forgotten one)
                # are overwritten with zeros, not left in free pages for a copy of the file.
                "PRAGMA secure_delete = ON;"
                f"PRAGMA cache_size = -{cache_kib};"
            )
        return connection

    async def close(self) -> None:
        self._peek.close()
        await self._reader.close()
        await self._bookkeeper.close()
        await self._writer.close()

    def grouped(self, work: GroupWork[T, R]) -> Callable[[T], Awaitable[R]]:
        # With synchronous=FULL every commit waits for the disk; one commit per submission would
        # cap them at the disk's sync rate.
        return GroupCommit(work, self._on_the_writers_thread)

    async def _on_the_writers_thread(self, work: TransactionWork[T]) -> T:
        """A durable transaction in one trip to the writer's thread; its coroutine `_drive` runs
        to its end there.

        Statement by statement, a batch of comments took 4 + one per comment trips, each waiting
        its turn on a busy event loop while the write lock was held.
        """
        connection: sqlite3.Connection = self._writer._conn
        tx = _OnTheThread(connection)

        def run() -> T:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = _drive(work(tx))
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        async with self._write_lock, _translated_errors():
            # aiosqlite has no public way to run a function on its thread: _execute is that way.
            result: T = await self._writer._execute(run)  # type: ignore[no-untyped-call]
        if tx.wakes_senders:  # once for the whole group
            self.on_commit()
        return result

    async def quick_fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        """A read by a unique index on the event loop's own thread: a few microseconds, less than
        the hop to the reader's thread would cost. For the questions every request asks."""
        # A WAL reader does not wait for writers; should SQLite be busy all the same (a
        # checkpoint resetting the log), the reader thread asks instead of the event loop waiting.
        try:
            return self._peek.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            return await self.fetch(sql, *args)

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[_Transaction]:
        """BEGIN IMMEDIATE ... COMMIT under the write lock: writers queue, they never fail."""
        async with self._write_lock, _translated_errors():
            connection = self._writer if durable else self._bookkeeper
            tx = _Transaction(connection)
            await connection.execute("BEGIN IMMEDIATE")
            try:
                yield tx
            except BaseException:
                if connection.in_transaction:
                    await connection.execute("ROLLBACK")
                raise
            await connection.execute("COMMIT")
        if tx.wakes_senders:
            self.on_commit()

    async def write(self, sql: str, *args: SqlValue, durable: bool = True) -> list[Row]:
        # With no BEGIN, SQLite runs the one statement as its own transaction: one trip to the
        # connection's thread instead of three.
        async with self._write_lock, _translated_errors():
            connection = self._writer if durable else self._bookkeeper
            return list(await connection.execute_fetchall(sql, args))

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        async with _translated_errors():
            return list(await self._reader.execute_fetchall(sql, args))

    @asynccontextmanager
    async def listen(self, topic: str, listener: Listener) -> AsyncIterator[None]:
        # Never `listening`: every read asks the file, a lookup of a few microseconds on the event
        # loop (quick_fetch). Announcements could reach a listener after each commit only while
        # this process is the file's sole writer; once several processes serve one file, another
        # one's changes would go unheard.
        yield

    async def migrate_sql(self) -> list[str]:
        applied: list[str] = []
        async with self._write_lock, _translated_errors():
            await self._writer.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            async with self._writer.execute("SELECT name FROM schema_migrations") as cursor:
                done = {row[0] for row in await cursor.fetchall()}
            pending = [path for path in migration_files("sqlite") if path.name not in done]
            if not pending:
                return applied
            # A table others refer to can only be rebuilt with foreign keys off (dropping it would
            # break their references): off for the migrations, and each one checked before it
            # commits. Only references a migration broke stop it, not any found there before.
            await self._writer.execute("PRAGMA foreign_keys = OFF")
            try:
                broken_before = len(await self._broken_references())
                for path in pending:
                    await self._apply(path, broken_before)
                    applied.append(path.name)
            finally:
                await self._writer.execute("PRAGMA foreign_keys = ON")
        return applied

    async def _broken_references(self) -> list[sqlite3.Row]:
        async with self._writer.execute("PRAGMA foreign_key_check") as cursor:
            return list(await cursor.fetchall())

    async def _apply(self, path: Path, broken_before: int) -> None:
        """One migration file and its ledger row, in one transaction."""
        # executescript() would commit an open transaction first, so the script opens its own;
        # the ledger row then joins it and both commit together.
        try:
            await self._writer.executescript("BEGIN IMMEDIATE;\n" + path.read_text())
            broken = await self._broken_references()
            if len(broken) > broken_before:
                table, row, parent, _ = broken[-1]
                raise sqlite3.IntegrityError(
                    f"migration {path.name} would leave {len(broken) - broken_before} broken references,"
                    f" such as from {table} row {row} to {parent}"
                )
            await self._writer.execute(
                "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (path.name, self._clock())
            )
            await self._writer.execute("COMMIT")
        except BaseException:
            if self._writer.in_transaction:
                await self._writer.execute("ROLLBACK")
            raise

    async def drop_old_copies(self) -> None:
        # secure_delete has zeroed the old row where it stood in the file; its copies in the WAL
        # go with a checkpoint that empties the WAL, which waits for readers on older snapshots.
        async with self._write_lock, _translated_errors():
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        # The pragma answers with a row: its statement stays open, and the next COMMIT on this
        # connection fails ("SQL statements in progress"), until the cursor is closed.
        async with self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchall()

    async def scrub(self) -> None:
        # Copies of rewritten pages live on in the WAL until a checkpoint and in free pages until
        # a VACUUM: both, so that the file and its -wal hold no address in clear.
        async with self._write_lock, _translated_errors():
            await self._writer.execute("VACUUM")
            await self._checkpoint()
