"""The scale-out database: PostgreSQL through an asyncpg pool, shared by any number of instances."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

import asyncpg

from ..errors import StoreUnavailable
from ..sealer import Sealer
from .driver import GroupWork, Listener, Row, SqlValue, TransactionWork
from .group_commit import GroupCommit
from .migrate import migration_files

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger(__name__)

# Any number that fits in 64 bits, the same for every instance: migrations run one at a time.
MIGRATION_LOCK = 0x6D6F6465726174
# The listening connection, as pg_stat_activity names it (followed by its schema).
LISTENER_NAME = "moderation listener"
# A connection that died without a word (a cable, a firewall), or one that no longer hears (a
# pooler between that moved the session), is found out by a notification sent to itself.
HEALTH_EVERY = 5.0
HEALTH_TIMEOUT = 2.0
PING = "ping "  # a payload no listener is given: the health check's own
CONNECT_TIMEOUT = 10.0
RETRY_CAP = 30.0
# What tells that the listening connection is gone, or cannot be made.
_LOST = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


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


def listener_name(schema: str) -> str:
    """The listening connection's application_name: which service (by its schema) it listens for."""
    return f"{LISTENER_NAME} {schema}"[:63]  # the server keeps 63 bytes of it


def _channel(topic: str, schema: str) -> str:
    """A topic's channel: instances on another schema of the same database (another site, a
    test) hear nothing of this one's. Channel names are under 64 bytes."""
    name = f"moderation.{topic}.{schema}"
    if len(name.encode()) < 64:
        return name
    return f"moderation.{topic}." + hashlib.sha256(schema.encode()).hexdigest()[:32]


class _Transaction:
    def __init__(self, connection: asyncpg.Connection):
        self._connection = connection
        self.wakes_senders = False
        self.announced: dict[tuple[str, str], None] = {}  # (topic, payload), in order, once each

    async def announce(self, topic: str, payload: str) -> None:
        self.announced[topic, payload] = None

    async def send_announcements(self, schema: str) -> None:
        """One NOTIFY per announcement, all in one statement, as the last of the transaction:
        the server delivers them when (and only if) it commits."""
        if self.announced:
            await self._connection.execute(
                "SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS n(c, p)",
                [_channel(topic, schema) for topic, _ in self.announced],
                [payload for _, payload in self.announced],
            )

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

    def __init__(
        self,
        pool: asyncpg.Pool,
        clock: Callable[[], float],
        sealer: Sealer,
        *,
        url: str,
        schema: str,
        listen_retry: float,
    ):
        self._pool = pool
        self._clock = clock
        self.sealer = sealer
        self.on_commit: Callable[[], None] = lambda: None
        self._url = url
        self._schema = schema
        self._listen_retry = listen_retry
        self._listeners: dict[str, Listener] = {}

    @classmethod
    async def open(
        cls, url: str, *, clock: Callable[[], float], sealer: Sealer, listen_retry: float = 1.0
    ) -> PostgresDatabase:
        # Extra query parameters of the URL (search_path=...) become server settings.
        async with _translated_errors():
            pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
            schema = await pool.fetchval("SELECT COALESCE(current_schema(), '')")
        return cls(pool, clock, sealer, url=url, schema=schema, listen_retry=listen_retry)

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
                await tx.send_announcements(self._schema)
        # This instance's own listeners hear at once: its next read sees its own change, without
        # waiting for the server's notification (which comes too: one more read, no harm).
        for topic, payload in tx.announced:
            if listener := self._listeners.get(topic):
                listener.heard(payload)
        if tx.wakes_senders:
            self.on_commit()

    def grouped(self, work: GroupWork[T, R]) -> Callable[[T], Awaitable[R]]:
        # One transaction per item paid its BEGIN, its COMMIT (a wait for the server's WAL flush)
        # and each statement's round trip alone; together, they share them.
        return GroupCommit(work, self._in_a_transaction)

    async def _in_a_transaction(self, work: TransactionWork[T]) -> T:
        async with self.transaction() as tx:
            return await work(tx)

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        async with _translated_errors():
            return [tuple(record) for record in await self._pool.fetch(_numbered(sql), *args)]

    async def quick_fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        return await self.fetch(sql, *args)

    async def write(self, sql: str, *args: SqlValue, durable: bool = True) -> list[Row]:
        async with self.transaction(durable=durable) as tx:
            return await tx.fetch(sql, *args)

    @asynccontextmanager
    async def listen(self, topic: str, listener: Listener) -> AsyncIterator[None]:
        self._listeners[topic] = listener
        task = asyncio.create_task(self._keep_listening(_channel(topic, self._schema), listener), name=LISTENER_NAME)
        try:
            yield
        finally:
            # Asked again until it ends: a cancellation that comes just as a connection is made
            # can be lost inside asyncpg's connect (Python 3.11's wait_for), and the task would
            # go on listening, and its owner wait for it, for ever.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError):
                await task
            del self._listeners[topic]
            listener.deaf()

    async def _keep_listening(self, channel: str, listener: Listener) -> None:
        """LISTEN on a connection of its own, and again on a new one each time it is lost: soon
        at first, then less and less often while the server stays away."""
        delay = self._listen_retry
        while True:
            started = asyncio.get_running_loop().time()
            try:
                connection = await asyncpg.connect(
                    self._url,
                    server_settings={"application_name": listener_name(self._schema)},
                    timeout=CONNECT_TIMEOUT,
                )
            except _LOST as error:
                problem = f"cannot connect: {error}"
            else:
                try:
                    await self._hear(connection, channel, listener)
                    problem = "connection closed"
                except _LOST as error:
                    problem = f"connection lost: {error}"
                finally:
                    listener.deaf()
                    connection.terminate()
            if asyncio.get_running_loop().time() - started > RETRY_CAP:
                delay = self._listen_retry  # it held a while: not the server refusing, so soon again
            log.warning("%s: %s; every read asks the database; listening again in %g s", channel, problem, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_CAP)

    async def _hear(self, connection: asyncpg.Connection, channel: str, listener: Listener) -> None:
        """Pass on what `channel` hears until the connection ends, or fails a health check."""
        lost = asyncio.Event()
        ping, pong = f"{PING}{uuid.uuid4().hex}", asyncio.Event()

        def on_termination(_: object) -> None:
            listener.deaf()  # at once, not when this task next runs
            lost.set()

        def on_notification(_c: object, _pid: int, _channel: str, payload: str) -> None:
            if payload == ping:
                pong.set()
            elif not payload.startswith(PING):  # another instance's are not for anyone
                listener.heard(payload)

        async def check() -> None:
            """The connection answers, and hears: a notification it sends itself comes back."""
            pong.clear()
            await connection.execute("SELECT pg_notify($1, $2)", channel, ping, timeout=HEALTH_TIMEOUT)
            try:
                await asyncio.wait_for(pong.wait(), HEALTH_TIMEOUT)
            except TimeoutError:
                raise TimeoutError(f"its own notification went unheard for {HEALTH_TIMEOUT:g} s") from None

        connection.add_termination_listener(on_termination)
        await connection.add_listener(channel, on_notification)
        await check()
        # Listening, and hearing: whatever commits from here on is heard; what committed before
        # is read afresh, since the listener forgets every state it kept.
        listener.listening()
        log.info("%s: listening", channel)
        while True:
            try:
                await asyncio.wait_for(lost.wait(), HEALTH_EVERY)
                return
            except TimeoutError:
                await check()

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
