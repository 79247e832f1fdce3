"""The group commit (store/sqlite.py) runs a whole transaction on aiosqlite's own thread through
two of its private names, `_conn` and `_execute`: aiosqlite has no public way to do that. The
package is pinned; these tests fail first if an upgrade changes what the store relies on."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite


async def test_execute_runs_a_function_on_the_connections_own_thread_in_order(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "pin.sqlite", isolation_level=None)
    try:
        assert isinstance(connection._conn, sqlite3.Connection)
        assert inspect.iscoroutinefunction(connection._execute)
        await connection.execute("CREATE TABLE seen (step INTEGER)")

        def on_its_thread() -> int:
            # The same sqlite3 connection, used where aiosqlite uses it: not the event loop's thread.
            connection._conn.execute("INSERT INTO seen VALUES (2)")
            return threading.get_ident()

        first = connection.execute("INSERT INTO seen VALUES (1)")
        _, ran_on = await asyncio.gather(first, connection._execute(on_its_thread))
        assert ran_on != threading.get_ident()
        assert await connection._execute(threading.get_ident) == ran_on  # one thread, every time
        rows = await connection.execute_fetchall("SELECT step FROM seen ORDER BY rowid")
        assert [tuple(row) for row in rows] == [(1,), (2,)]
    finally:
        await connection.close()


async def test_an_error_on_its_thread_reaches_the_caller(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "pin.sqlite", isolation_level=None)
    try:

        def fails() -> None:
            connection._conn.execute("SELECT * FROM no_such_table")

        try:
            await connection._execute(fails)
        except sqlite3.OperationalError as error:
            assert "no_such_table" in str(error)
        else:
            raise AssertionError("the error was lost")
    finally:
        await connection.close()
