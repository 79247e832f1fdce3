"""Faults below the service: another process holding the write lock, a full disk."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.config import Config
from tests.conftest import make_config
from tests.factories import comment_data
from tests.smtp import SmtpSink

HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


@contextlib.asynccontextmanager
async def lock_held_by_another_process(database: Path, seconds: float) -> AsyncIterator[subprocess.Popen[str]]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        # Waiting in a thread: blocking the loop would stall the service's own transactions.
        assert holder.stdout is not None
        assert (await asyncio.to_thread(holder.stdout.readline)).strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def stored_ids(database: Path) -> set[int]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {row[0] for row in db.execute("SELECT id FROM comments")}


@pytest.fixture
async def sqlite_app(aiohttp_client, tmp_path: Path, smtpd: SmtpSink) -> tuple[TestClient, Config]:  # type: ignore[no-untyped-def]
    """These faults are SQLite's own: one file, one writer at a time."""
    config = make_config(tmp_path, smtpd.port)
    return await aiohttp_client(create_app(config)), config


async def test_a_short_lock_by_another_process_makes_a_submission_wait_not_fail(
    sqlite_app: tuple[TestClient, Config],
) -> None:
    client, config = sqlite_app
    assert config.sqlite_path is not None
    await client.get("/healthz")  # the database exists
    async with lock_held_by_another_process(config.sqlite_path, 1.0):
        started = time.monotonic()
        response = await client.post("/api/comments", json=comment_data())
        waited = time.monotonic() - started
    assert response.status == 202
    assert waited > 0.5  # it really queued behind the other writer
    assert (await response.json())["id"] in stored_ids(config.sqlite_path)


async def test_a_lock_held_past_the_busy_timeout_is_a_503_with_retry_after_never_a_locked_error(
    sqlite_app: tuple[TestClient, Config],
) -> None:
    client, config = sqlite_app
    assert config.sqlite_path is not None
    await client.get("/healthz")
    async with lock_held_by_another_process(config.sqlite_path, 8.0):
        response = await client.post("/api/comments", json=comment_data())
        body = await response.text()
    assert response.status == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "locked" not in body.lower() and "sqlite" not in body.lower()
    assert stored_ids(config.sqlite_path) == set()
    again = await client.post("/api/comments", json=comment_data())
    assert again.status == 202


@contextlib.contextmanager
def tiny_file_system(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as out:
        with contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 4096)
    return filler


async def test_a_full_disk_gives_503s_loses_no_accepted_comment_and_recovers_without_restart(
    aiohttp_client,
    tmp_path: Path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    with tiny_file_system(tmp_path / "tiny", "1m") as disk:
        config = make_config(disk, smtpd.port)
        client = await aiohttp_client(create_app(config))
        assert (await client.get("/healthz")).status == 200
        filler = fill(disk)

        accepted: list[int] = []
        refused = 0
        for number in range(300):
            response = await client.post("/api/comments", json=comment_data(body=f"{number} " + "x" * 8000))
            assert response.status in (202, 503), await response.text()
            if response.status == 202:
                accepted.append((await response.json())["id"])
            else:
                assert "Retry-After" in response.headers
                assert "disk" not in (await response.text()).lower()
                refused += 1
                if refused == 3:
                    break
        assert refused == 3, "the disk never filled up: the test proved nothing"

        filler.unlink()
        recovered = await client.post("/api/comments", json=comment_data(body="After the disk was freed."))
        assert recovered.status == 202
        accepted.append((await recovered.json())["id"])

        assert config.sqlite_path is not None
        assert set(accepted) <= stored_ids(config.sqlite_path)
        with contextlib.closing(sqlite3.connect(config.sqlite_path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        await client.close()
