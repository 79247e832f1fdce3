"""Reading and writing the service's database directly, as a test checks rows: SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from typing import Any

import asyncpg

from moderation.config import Config


def _numbered(sql: str) -> str:
    counter = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


def _sqlite(path: str, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, args).fetchall()]


async def records(config: Config, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one statement (with `?` parameters); its rows as dicts of their columns. Writes commit."""
    if config.sqlite_path is not None:
        # In a thread: blocking the loop would stall the service's own transactions.
        return await asyncio.to_thread(_sqlite, str(config.sqlite_path), sql, args)
    connection = await asyncpg.connect(config.database_url)
    try:
        return [dict(record) for record in await connection.fetch(_numbered(sql), *args)]
    finally:
        await connection.close()


def recipient(config: Config, row: dict[str, Any]) -> str:
    """An outbox row's recipient (its id and recipient selected), opened as the service opens it."""
    return config.sealer().open(row["recipient"], "outbox", "recipient", row["id"])


async def query(config: Config, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Like records(), with each row as a tuple."""
    return [tuple(row.values()) for row in await records(config, sql, *args)]
