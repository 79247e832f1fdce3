"""The embedded store: one SQLite file in WAL mode; writers that take turns, a reader, a quick look."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from ..errors import InvalidParent, StoreUnavailable
from ..models import NewComment
from ..sealing import Sealer
from ..webhooks.events import NO_HOOKS, Hooks
from . import claims
from .migrate import migration_files
from .sql import SqlStore
from .tx import Row, Transaction

T = TypeVar("T")


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    # "database is locked" (another process kept the lock past the busy timeout), "database or
    # disk is full", I/O errors: none is the client's fault, all may pass. Say so, don't crash.
    try:
        yield
    except sqlite3.OperationalError as error:
        raise StoreUnavailable(str(error)) from error


def _settings(cache_kib: int) -> str:
    """What every connection of the service sets before its first statement."""
    return (
        "PRAGMA busy_timeout = 5000;"
        "PRAGMA foreign_keys = ON;"
        "PRAGMA synchronous = FULL;"  # a 202 survives power loss, not only a crash
        # Deleted and rewritten rows (an address before it was sealed, a forgotten one)
        # are overwritten with zeros, not left in free pages for a copy of the file.
        "PRAGMA secure_delete = ON;"
        f"PRAGMA cache_size = -{cache_kib};"
    )


class _WriterThread:
    """The one thread of our own that every write runs on, in the order the writes come.

    The writers' sqlite3 connections are made, used and closed on it alone: sqlite3 refuses a
    call from any other thread, so no statement can slip past this queue.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        # The domain SQL is coroutines, written once for both stores (sql.py); on this thread
        # their awaits never suspend, and this loop of the thread's own runs them to their end.
        self._loop = asyncio.new_event_loop()

    async def run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    def run_coroutine(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """On the writer thread: domain SQL on a connection of the thread, to its end, at once."""
        return self._loop.run_until_complete(coroutine)

    def close(self) -> None:
        self._executor.shutdown()  # the thread is idle once the connections are closed
        self._loop.close()


# What the writer thread runs: plain sqlite3, no cursor ever leaves the thread.


def _fetch_all(connection: sqlite3.Connection, sql: str, args: Sequence[Any] = ()) -> list[Row]:
    return connection.execute(sql, args).fetchall()


def _execute(connection: sqlite3.Connection, sql: str, args: Sequence[Any] = ()) -> None:
    connection.execute(sql, args)


def _execute_many(connection: sqlite3.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    connection.executemany(sql, rows)


def _execute_script(connection: sqlite3.Connection, script: str) -> None:
    connection.executescript(script)


def _roll_back(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def _in_transaction(connection: sqlite3.Connection, work: Callable[[], T]) -> T:
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work()
    except BaseException:
        _roll_back(connection)
        raise
    connection.execute("COMMIT")
    return result


def _migrate(connection: sqlite3.Connection, clock: Callable[[], float]) -> list[str]:
    """The pending migration files, each in its own transaction with its ledger row."""
    connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    done = {name for (name,) in connection.execute("SELECT name FROM schema_migrations")}
    pending = [path for path in migration_files("sqlite") if path.name not in done]
    applied: list[str] = []
    if not pending:
        return applied
    # A table others refer to can only be rebuilt with foreign keys off (dropping it would
    # break their references): off for the migrations, and each one checked before it
    # commits. Only references a migration broke stop it, not any found there before.
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        broken_before = len(_broken_references(connection))
        for path in pending:
            _apply(connection, path, broken_before, clock)
            applied.append(path.name)
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
    return applied


def _broken_references(connection: sqlite3.Connection) -> list[Row]:
    return _fetch_all(connection, "PRAGMA foreign_key_check")


def _apply(connection: sqlite3.Connection, path: Path, broken_before: int, clock: Callable[[], float]) -> None:
    """One migration file and its ledger row, in one transaction."""
    # executescript() would commit an open transaction first, so the script opens its own;
    # the ledger row then joins it and both commit together.
    try:
        connection.executescript("BEGIN IMMEDIATE;\n" + path.read_text())
        broken = _broken_references(connection)
        if len(broken) > broken_before:
            table, row, parent, _ = broken[-1]
            raise sqlite3.IntegrityError(
                f"migration {path.name} would leave {len(broken) - broken_before} broken references,"
                f" such as from {table} row {row} to {parent}"
            )
        connection.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (path.name, clock()))
        connection.execute("COMMIT")
    except BaseException:
        _roll_back(connection)
        raise


def _vacuum(connection: sqlite3.Connection) -> None:
    # Copies of rewritten pages live on in the WAL until a checkpoint and in free pages until
    # a VACUUM: both, so that the file and its -wal hold no address in clear.
    connection.execute("VACUUM")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class _Transaction:
    """The Transaction interface for steps the event loop runs: each statement one trip to the
    writer thread."""

    def __init__(self, thread: _WriterThread, connection: sqlite3.Connection):
        self._thread = thread
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        # One trip to the writer thread: execute, fetch and close a cursor would be three.
        return await self._thread.run(partial(_fetch_all, self._connection, sql, args))

    async def execute(self, sql: str, *args: Any) -> None:
        await self._thread.run(partial(_execute, self._connection, sql, args))

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        await self._thread.run(partial(_execute_many, self._connection, sql, rows))


class _OnTheThread:
    """The Transaction interface for domain SQL that runs on the writer thread itself: every
    statement runs at once, so its awaits never suspend."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return _fetch_all(self._connection, sql, args)

    async def execute(self, sql: str, *args: Any) -> None:
        _execute(self._connection, sql, args)

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        _execute_many(self._connection, sql, rows)


class SqliteStore(SqlStore):
    def __init__(
        self,
        thread: _WriterThread,
        writer: sqlite3.Connection,
        bookkeeper: sqlite3.Connection,
        reader: aiosqlite.Connection,
        peek: sqlite3.Connection,
        clock: Callable[[], float],
        sealer: Sealer,
        hooks: Hooks,
    ):
        super().__init__(clock, sealer, hooks)
        self._thread = thread
        self._writer = writer
        self._bookkeeper = bookkeeper
        self._reader = reader
        self._peek = peek
        # The writer thread runs statements in order, but two coroutines could still interleave
        # their statements inside one transaction: the lock keeps them apart.
        self._write_lock = asyncio.Lock()
        self._waiting: list[tuple[NewComment, Sequence[str], asyncio.Future[int]]] = []
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    async def open(
        cls, path: Path, *, clock: Callable[[], float], sealer: Sealer, hooks: Hooks = NO_HOOKS
    ) -> SqliteStore:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"cannot create {path.parent}: {error.strerror}") from error
        thread = _WriterThread()
        # Page caches (KiB) kept small, since the operating system caches the file too: the
        # writers touch few pages (the ends of tables and indexes), the reader reads threads.
        writer = await cls._connect_writer(thread, path)
        async with _translated_errors():
            await thread.run(partial(_fetch_all, writer, "PRAGMA journal_mode = WAL"))
        # The outbox's own bookkeeping writes on a connection that does not sync every commit
        # (see SqlStore.transaction); both writers take turns under one lock, never contend.
        bookkeeper = await cls._connect_writer(thread, path)
        async with _translated_errors():
            await thread.run(partial(_execute, bookkeeper, "PRAGMA synchronous = NORMAL"))
        # isolation_level=None: no implicit transactions; every write says BEGIN IMMEDIATE itself.
        reader = await aiosqlite.connect(path, isolation_level=None)
        async with _translated_errors():
            await reader.executescript(_settings(cache_kib=1024))
        peek = sqlite3.connect(path, isolation_level=None)
        peek.execute("PRAGMA busy_timeout = 50")
        peek.execute("PRAGMA query_only = ON")
        peek.execute("PRAGMA cache_size = -256")  # it only looks rows up by index
        return cls(thread, writer, bookkeeper, reader, peek, clock, sealer, hooks)

    @staticmethod
    async def _connect_writer(thread: _WriterThread, path: Path) -> sqlite3.Connection:
        connection = await thread.run(partial(sqlite3.connect, path, isolation_level=None))
        async with _translated_errors():
            await thread.run(partial(_execute_script, connection, _settings(cache_kib=256)))
        return connection

    async def close(self) -> None:
        self._peek.close()
        await self._reader.close()
        await self._thread.run(self._bookkeeper.close)
        await self._thread.run(self._writer.close)
        self._thread.close()

    async def add_comment(self, comment: NewComment, notify: Sequence[str]) -> int:
        """Group commit: submissions arriving together share one transaction and one fsync.

        With synchronous=FULL every commit waits for the disk; one commit per submission would
        cap them at the disk's sync rate. The answer still waits for its own commit.
        """
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((comment, notify, answer))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await answer

    async def _commit_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            submissions = [(comment, recipients) for comment, recipients, _ in batch]
            try:
                results = await self._in_one_trip(partial(self._insert_submissions, submissions=submissions))
            except BaseException as error:  # nothing of the batch is stored: every waiter hears so
                for _, _, answer in batch:
                    if not answer.done():
                        answer.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, _, answer), result in zip(batch, results, strict=True):
                if answer.done():
                    continue
                if isinstance(result, InvalidParent):
                    answer.set_exception(result)
                else:
                    answer.set_result(result)

    async def _in_one_trip(self, work: Callable[[Transaction], Coroutine[Any, Any, T]]) -> T:
        """A durable transaction in one trip to the writer thread.

        Statement by statement, a batch of comments took 4 + one per comment trips, each waiting
        its turn on a busy event loop while the write lock was held.
        """
        connection = self._writer

        def run() -> T:
            return _in_transaction(connection, lambda: self._thread.run_coroutine(work(_OnTheThread(connection))))

        async with self._write_lock, _translated_errors():
            return await self._thread.run(run)

    async def quick_fetch(self, sql: str, *args: Any) -> list[Row]:
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
            await self._thread.run(partial(_execute, connection, "BEGIN IMMEDIATE"))
            try:
                yield _Transaction(self._thread, connection)
            except BaseException:
                await self._thread.run(partial(_roll_back, connection))
                raise
            await self._thread.run(partial(_execute, connection, "COMMIT"))

    async def write(self, sql: str, *args: Any, durable: bool = True) -> list[Row]:
        # With no BEGIN, SQLite runs the one statement as its own transaction: one trip to the
        # writer thread instead of three.
        async with self._write_lock, _translated_errors():
            connection = self._writer if durable else self._bookkeeper
            return await self._thread.run(partial(_fetch_all, connection, sql, args))

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with _translated_errors():
            return list(await self._reader.execute_fetchall(sql, args))

    async def _migrate_sql(self) -> list[str]:
        async with self._write_lock, _translated_errors():
            return await self._thread.run(partial(_migrate, self._writer, self._clock))

    async def _scrub(self) -> None:
        async with self._write_lock, _translated_errors():
            await self._thread.run(partial(_vacuum, self._writer))

    # One SQLite file is served by one process: any claim left at a sender's start is from one that died.
    async def release_claims(self) -> None:
        await claims.release_all(self, "outbox")

    async def release_webhook_claims(self) -> None:
        await claims.release_all(self, "webhook_outbox")
