"""The embedded store: one SQLite file in WAL mode, one writer, one reader."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from ..errors import StoreUnavailable
from .migrate import migration_files
from .sql import Row, SqlStore


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

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with self._connection.execute(sql, args) as cursor:
            return list(await cursor.fetchall())

    async def execute(self, sql: str, *args: Any) -> None:
        await self._connection.execute(sql, args)

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        await self._connection.executemany(sql, rows)


class SqliteStore(SqlStore):
    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection, clock: Callable[[], float]):
        super().__init__(clock)
        self._writer = writer
        self._reader = reader
        # aiosqlite runs one connection's statements in order, but two coroutines could still
        # interleave their statements inside one transaction: the lock keeps them apart.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, clock: Callable[[], float]) -> SqliteStore:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(f"cannot create {path.parent}: {error.strerror}") from error
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
    async def transaction(self) -> AsyncIterator[_Transaction]:
        """BEGIN IMMEDIATE ... COMMIT under the write lock: writers queue, they never fail."""
        async with self._write_lock, _translated_errors():
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield _Transaction(self._writer)
            except BaseException:
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        async with _translated_errors(), self._reader.execute(sql, args) as cursor:
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

    async def release_claims(self) -> None:
        # One SQLite file is served by one process: any claim left is from a sender that died.
        async with self.transaction() as tx:
            await tx.execute("UPDATE outbox SET claimed_until = NULL WHERE status = 'pending'")
