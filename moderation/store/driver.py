"""What the domain SQL needs from a database: transactions, reads, the clock, the sealer, and the
few words where the dialects differ. SQLite and PostgreSQL each drive one (sqlite.py, postgres.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

from ..sealer import Sealer

# What goes into a statement as a parameter: both drivers take these as they are.
SqlValue = str | int | float | bytes | None
# What comes out: the one place that admits Any. Each column's type is the query's to know; typing
# the rows would move a cast into every reader instead.
Row = Sequence[Any]
T = TypeVar("T")
R = TypeVar("R")


def marks(count: int) -> str:
    return ", ".join("?" * count)


class Transaction(Protocol):
    """What the domain SQL needs from a driver inside a transaction. Parameters are `?`."""

    # Set by whatever writes rows a sender sends: once the transaction commits, the senders wake.
    wakes_senders: bool

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]: ...

    async def execute(self, sql: str, *args: SqlValue) -> None: ...

    async def executemany(self, sql: str, rows: Sequence[tuple[SqlValue, ...]]) -> None: ...

    async def announce(self, topic: str, payload: str) -> None:
        """Tell whoever listens on `topic` (Database.listen), in every instance, once this
        transaction commits; never if it does not."""
        ...


class Listener(Protocol):
    """What hears a topic's announcements (thread_states.py ThreadStates)."""

    def listening(self) -> None:
        """From now on every announcement reaches `heard`."""

    def deaf(self) -> None:
        """From now on an announcement may be missed."""

    def heard(self, payload: str) -> None: ...


# Work for one transaction, done for a group of items at once: one result per item, in order.
GroupWork = Callable[[Transaction, Sequence[T]], Coroutine[object, None, list[R]]]
# The SQL of one whole transaction.
TransactionWork = Callable[[Transaction], Coroutine[object, None, T]]


class Fetch(Protocol):
    """A read, from a transaction or the database alike."""

    def __call__(self, sql: str, /, *args: SqlValue) -> Awaitable[list[Row]]: ...


class Database(Protocol):
    """One database, whichever the driver. Times are Unix seconds from the injected clock, stored as
    floating point numbers in both dialects, so that tests can move time and both behave the same."""

    sealer: Sealer
    # Called after each commit of a transaction that wrote rows a sender sends (create_app: wake them).
    on_commit: Callable[[], None]
    # PostgreSQL instances share the outbox: a claimed row is skipped by the others.
    claim_lock: str
    # PostgreSQL: rows read to decide on are locked; SQLite's BEGIN IMMEDIATE has one writer anyway.
    row_lock: str
    # Whether other instances may use it too, and hold live claims (PostgreSQL).
    shared: bool

    def now(self) -> float: ...

    def transaction(self, *, durable: bool = True) -> AbstractAsyncContextManager[Transaction]:
        """A write transaction. `durable=False` for the outbox's own bookkeeping: a crash of the
        process loses none of it; only a power cut could, and then a mail may go out twice."""
        ...

    def grouped(self, work: GroupWork[T, R]) -> Callable[[T], Awaitable[R]]:
        """`work` for one item, in a transaction it may share with items arriving at the same time."""
        ...

    async def fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        """A read outside any write transaction."""
        ...

    async def quick_fetch(self, sql: str, *args: SqlValue) -> list[Row]:
        """A read by a unique index, which a driver may answer without leaving the event loop."""
        ...

    async def write(self, sql: str, *args: SqlValue, durable: bool = True) -> list[Row]:
        """One statement on its own, as its own transaction; its rows (RETURNING) come back."""
        ...

    def listen(self, topic: str, listener: Listener) -> AbstractAsyncContextManager[None]:
        """While the block lasts, pass `listener` what is announced on `topic`, and say whether
        it hears everything. A driver that cannot promise that never says `listening`."""
        ...

    async def migrate_sql(self) -> list[str]:
        """Apply the pending migration files; their names."""
        ...

    async def scrub(self) -> None:
        """After addresses were rewritten: leave no old copy where the database keeps free space."""
        ...

    async def drop_old_copies(self) -> None:
        """After a row's text was rewritten (a redaction): no old copy of it in the log of recent
        writes, at little cost; free space is overwritten as it is freed (see sqlite.py, postgres.py)."""
        ...

    async def close(self) -> None: ...
