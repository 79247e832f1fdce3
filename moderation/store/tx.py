"""What the domain SQL needs from a driver: a transaction, rows, and `?` placeholders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

Row = Sequence[Any]


def marks(count: int) -> str:
    return ", ".join("?" * count)


class Transaction(Protocol):
    """What the domain SQL needs from a driver inside a transaction. Parameters are `?`."""

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def execute(self, sql: str, *args: Any) -> None: ...

    async def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None: ...
