"""What the domain SQL needs from a driver: a transaction, rows, and `?` placeholders."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from ..events import Event
from ..policy.writes import Facts
from ..sealer import Sealer

Row = Sequence[Any]


def marks(count: int) -> str:
    return ", ".join("?" * count)


class Transaction(Protocol):
    """What the domain SQL needs from a driver inside a transaction. Parameters are `?`."""

    # Set by whatever writes rows a sender sends: once the transaction commits, the senders wake.
    wakes_senders: bool

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def execute(self, sql: str, *args: Any) -> None: ...

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None: ...


class StoreBase(Protocol):
    """What the SQL mixed into SqlStore (outbox.py, sessions.py, queue.py) may use of it."""

    _clock: Callable[[], float]
    _sealer: Sealer
    claim_lock: str

    def transaction(self, *, durable: bool = True) -> AbstractAsyncContextManager[Transaction]: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def write(self, sql: str, *args: Any, durable: bool = True) -> list[Row]: ...

    async def release(self, sender: str, notification_ids: Sequence[int] = ()) -> None: ...

    async def _follow(
        self, tx: Transaction, events: Sequence[Event], facts: Mapping[int, Facts] | None = None
    ) -> None: ...
