"""The scale-out database: PostgreSQL through an asyncpg pool, shared by any number of instances."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from ..errors import StoreUnavailable
from ..sealer import Sealer
from .driver import GroupWork, Row, SqlValue
from .migrate import migration_files

T = TypeVar("T")
R = TypeVar("R")

# Any number that fits in 64 bits, the same for every instance: migrations run one at a time.
MIGRATION_LOCK = 0x6D6F6465726174


def _numbered(sql: str) -> str:
    """The domain SQL says `?`; asyncpg wants $1, $2, ..."""
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


@asynccontextmanager
async def _translated_errors() -> AsyncIterator[None]:
    # Lost connections, a server shutting down, too many clients: none is the client's fault.
    try:
        yield
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as error:
        raise StoreUnavailable(str(error)) from error
    except asyncpg.PostgresError as error:
        if error.sqlstate and error.sqlstate[:2] in ("08", "53", "57"):  # connection, resources, shutdown
            raise StoreUnavailable(str(error)) from error
        raise


class _Transaction:
    def __init__(self, connection: asyncpg.Connection):
        self._connection = connection
        self.wakes_senders = False

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        return [tuple(record) for record in await self._connection.fetch(_numbered(sql), *args)]

    async def execute(self, sql: str, *args: SqlValue) -> None:
        await self._connection.execute(_numbered(sql), *args)

    async def executemany(self, sql: str, rows: Sequence[tuple[SqlValue, ...]]) -> None:
        await self._connection.executemany(_numbered(sql), rows)


class PostgresDatabase:
    claim_lock = "FOR UPDATE SKIP LOCKED"
    row_lock = "FOR UPDATE"
    shared = True

    def __init__(self, pool: asyncpg.Pool, clock: Callable[[], float], sealer: Sealer):
        self._pool = pool
        self._clock = clock
        self.sealer = sealer
        self.on_commit: Callable[[], None] = lambda: None

    @classmethod
    async def open(cls, url: str, *, clock: Callable[[], float], sealer: Sealer) -> PostgresDatabase:
        # Extra query parameters of the URL (search_path=...) become server settings.
        async with _translated_errors():
            pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
        return cls(pool, clock, sealer)

    def now(self) -> float:
        return self._clock()

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True) -> AsyncIterator[_Transaction]:
        async with _translated_errors(), self._pool.acquire() as connection:
            tx = _Transaction(connection)
            async with connection.transaction():
                if not durable:
                    await connection.execute("SET LOCAL synchronous_commit = off")
                yield tx
        if tx.wakes_senders:
            self.on_commit()

    def grouped(self, work: GroupWork[T, R]) -> Callable[[T], Awaitable[R]]:
        # Every commit waits for the server, which groups concurrent commits itself.
        async def alone(item: T) -> R:
            async with self.transaction() as tx:
                (result,) = await work(tx, [item])
            return result

        return alone

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        async with _translated_errors():
            return [tuple(record) for record in await self._pool.fetch(_numbered(sql), *args)]

    async def quick_fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        return await self.fetch(sql, *args)

    async def write(self, sql: str, *args: SqlValue, durable: bool = True) -> list[Row]:
        async with self.transaction(durable=durable) as tx:
            return await tx.fetch(sql, *args)

    async def drop_old_copies(self) -> None:
        # The old row stays a dead tuple until a VACUUM: this one makes it unreachable and its
        # space free for reuse; the bytes stay in the file (and pg_wal) until overwritten.
        async with _translated_errors(), self._pool.acquire() as connection:
            await connection.execute("VACUUM comments")

    async def scrub(self) -> None:
        # Rewritten rows leave dead copies in the table's files until they are rewritten: once,
        # after addresses were sealed or re-sealed, the tables are rewritten whole.
        async with _translated_errors(), self._pool.acquire() as connection:
            await connection.execute("VACUUM FULL comments, outbox")

    async def migrate_sql(self) -> list[str]:
        applied: list[str] = []
        async with _translated_errors(), self._pool.acquire() as connection:
            for path in migration_files("postgres"):
                async with connection.transaction():
                    # Several instances may start at once; the lock lets one migrate at a time.
                    await connection.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    await connection.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations"
                        " (name text PRIMARY KEY, applied_at double precision NOT NULL)"
                    )
                    if await connection.fetchval("SELECT 1 FROM schema_migrations WHERE name = $1", path.name):
                        continue
                    await connection.execute(path.read_text())
                    await connection.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)", path.name, self._clock()
                    )
                applied.append(path.name)
        return applied
