"""Migrations: numbered files, the same for both dialects, each applied once and in order."""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from moderation.app import create_app, service_links
from moderation.config import ROOT, Config
from moderation.errors import MissingFiles
from moderation.holds import Hold, HoldKind
from moderation.models import CommentStatus
from moderation.search import Listing
from moderation.store import open_store
from moderation.store.migrate import migration_files
from tests import db
from tests.conftest import free_port, make_config
from tests.factories import submit
from tests.test_ids import database_before

FOLDER = ROOT / "migrations" / "sqlite"
FILES = sorted(path.name for path in FOLDER.glob("*.sql"))
DIALECTS = ("sqlite", "postgres")
TABLES = ("threads", "comments", "outbox")


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute(sql).fetchall()


def schema(database: Path) -> list[tuple[Any, ...]]:
    return query(database, "SELECT type, name, sql FROM sqlite_master ORDER BY type, name")


def ledger(database: Path) -> list[tuple[Any, ...]]:
    return query(database, "SELECT name, applied_at FROM schema_migrations ORDER BY applied_at, rowid")


@pytest.fixture
def store_config(tmp_path: Path) -> Config:
    """SQLite only: what these tests check is SQLite's own."""
    return make_config(tmp_path, free_port())


@pytest.fixture
def any_store_config(tmp_path: Path, database_url: str) -> Config:
    return make_config(tmp_path, free_port(), database_url=database_url)


async def migrate(config: Config) -> list[str]:
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        return await store.migrate()
    finally:
        await store.close()


def test_both_dialects_have_the_same_migrations_by_number_and_name() -> None:
    names = {dialect: sorted(p.name for p in (ROOT / "migrations" / dialect).iterdir()) for dialect in DIALECTS}
    assert names["sqlite"] == names["postgres"]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_migration_files_are_named_like_0001_name_sql_with_distinct_numbers(dialect: str) -> None:
    entries = sorted(path.name for path in (ROOT / "migrations" / dialect).iterdir())
    assert entries, "no migrations at all"
    for name in entries:
        assert re.fullmatch(r"\d{4}_[a-z0-9_]+\.sql", name), f"{name} is not named like 0001_name.sql"
    numbers = [name[:4] for name in entries]
    assert len(set(numbers)) == len(numbers)


def test_a_dialect_without_migrations_is_an_error_naming_the_folder_not_an_empty_run() -> None:
    # The whole folder missing from an install is tested on the installed wheel (test_package.py).
    with pytest.raises(MissingFiles, match=re.escape(str(ROOT / "migrations" / "oracle"))):
        migration_files("oracle")


async def test_each_migration_file_is_applied_once_in_order_with_its_row_in_schema_migrations(
    any_store_config: Config,
) -> None:
    assert await migrate(any_store_config) == FILES
    ledger_rows = await db.query(any_store_config, "SELECT name FROM schema_migrations ORDER BY applied_at, name")
    assert [row[0] for row in ledger_rows] == FILES
    for table in TABLES:
        assert await db.query(any_store_config, f"SELECT COUNT(*) FROM {table}") == [(0,)]


async def test_migrating_twice_changes_nothing_the_second_time(any_store_config: Config) -> None:
    await migrate(any_store_config)
    before = await db.query(any_store_config, "SELECT name, applied_at FROM schema_migrations ORDER BY name")
    assert await migrate(any_store_config) == []
    assert await db.query(any_store_config, "SELECT name, applied_at FROM schema_migrations ORDER BY name") == before


async def test_sqlite_schema_is_untouched_by_a_second_migration(store_config: Config) -> None:
    await migrate(store_config)
    database = store_config.sqlite_path
    assert database is not None
    before = schema(database)
    await migrate(store_config)
    assert schema(database) == before


async def test_a_migration_that_fails_leaves_no_trace_and_can_be_run_again(store_config: Config) -> None:
    # A table in the way of the first migration's last statement: everything before it must go.
    database = store_config.sqlite_path
    assert database is not None
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE outbox (something_else TEXT)")
        db.commit()

    with pytest.raises(Exception, match="outbox"):
        await migrate(store_config)
    tables = {row[0] for row in query(database, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables <= {"outbox", "schema_migrations"}, f"half a migration was left behind: {tables}"
    assert "schema_migrations" not in tables or ledger(database) == []
    assert [row[1] for row in query(database, "PRAGMA table_info(outbox)")] == ["something_else"]

    with closing(sqlite3.connect(database)) as db:
        db.execute("DROP TABLE outbox")
        db.commit()
    assert await migrate(store_config) == FILES
    assert [name for name, _ in ledger(database)] == FILES


async def test_the_database_file_is_in_wal_mode_once_the_app_has_started(
    aiohttp_client,
    store_config: Config,  # type: ignore[no-untyped-def]
) -> None:
    client = await aiohttp_client(create_app(store_config))
    await submit(client)
    database = store_config.sqlite_path
    assert database is not None
    assert query(database, "PRAGMA journal_mode") == [("wal",)]


async def test_a_migration_that_would_break_a_reference_is_refused_and_one_found_before_stops_none(
    store_config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await migrate(store_config)
    database = store_config.sqlite_path
    assert database is not None
    with closing(sqlite3.connect(database)) as db:  # foreign keys off, as a damaged file might have it
        db.execute("INSERT INTO threads (key) VALUES ('/p/')")
        db.execute(
            "INSERT INTO comments (thread_id, name, email, avatar, body, body_html, created_at)"
            " VALUES (1, 'n', '', 'a', 'b', '<p>b</p>', 1)"
        )
        db.execute("INSERT INTO outbox (comment_id, recipient, next_attempt_at, created_at) VALUES (1, 'r', 1, 1)")
        db.execute("INSERT INTO outbox (comment_id, recipient, next_attempt_at, created_at) VALUES (99, 'r', 1, 1)")
        db.commit()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "9998_harmless.sql").write_text("CREATE TABLE harmless (id INTEGER PRIMARY KEY);")
    (extra / "9999_breaking.sql").write_text("DELETE FROM comments;")
    files = migration_files("sqlite")
    monkeypatch.setattr("moderation.store.sqlite.migration_files", lambda dialect: [*files, *sorted(extra.iterdir())])

    with pytest.raises(sqlite3.IntegrityError, match="9999_breaking.sql would leave 1 broken references"):
        await migrate(store_config)
    assert [name for name, _ in ledger(database)][-1] == "9998_harmless.sql"
    assert query(database, "SELECT COUNT(*) FROM comments") == [(1,)]


# Comments as the version before 0020 left them: the spam checks' findings as free text in `flags`.
ROWS_AT_0019 = [
    "INSERT INTO threads (key, title) VALUES ('/a/', 'A page')",
    "INSERT INTO comments (thread_id, status, name, email, avatar, body, body_html, created_at, flags) VALUES"
    " (1, 'pending', 'One', '', 'a1', 'b1', '<p>b1</p>', 1, 'contains ''dosage''; 5 links'),"
    " (1, 'spam', 'Two', '', 'a2', 'b2', '<p>b2</p>', 2, 'contains the blocked word \"Ölkur\"'),"
    " (1, 'pending', 'Three', '', 'a3', 'b3', '<p>b3</p>', 3, '')",
]


async def test_0020_keeps_every_old_flag_as_a_hold_of_the_kind_check_and_flags_is_gone(config: Config) -> None:
    await database_before(config, "0020", ROWS_AT_0019)
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        assert "0020_structured_holds.sql" in await store.migrate()
        comments = [await store.comments.get(comment_id) for comment_id in (1, 2, 3)]
    finally:
        await store.close()
    assert [comment.holds if comment else None for comment in comments] == [
        (Hold(HoldKind.CHECK, "contains 'dosage'; 5 links"),),
        (Hold(HoldKind.CHECK, 'contains the blocked word "Ölkur"'),),
        (),
    ]
    columns = await db.records(config, "SELECT * FROM comments WHERE id = 3")
    assert "holds" in columns[0] and "flags" not in columns[0]


# Approved comments as the version before 0021 left them: nothing yet says which ones ask.
ROWS_AT_0020 = [
    "INSERT INTO threads (key, title) VALUES ('/a/', 'A page')",
    "INSERT INTO comments (thread_id, status, name, email, avatar, body, body_html, created_at, lang) VALUES"
    " (1, 'approved', 'One', '', 'a1', 'How long does the effect last', '<p>q</p>', 1, 'en'),"
    " (1, 'approved', 'Two', '', 'a2', 'It helped me a lot.', '<p>s</p>', 2, 'en'),"
    " (1, 'approved', 'Drei', '', 'a3', 'Wie lange dauert eine Sitzung', '<p>q</p>', 3, 'de')",
]


async def test_0021_comments_written_before_are_judged_once_and_then_listed_as_unanswered(config: Config) -> None:
    await database_before(config, "0021", ROWS_AT_0020)
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        applied = await store.migrate()
        assert "judged whether 3 comments ask a question" in applied
        assert not any(step.startswith("judged") for step in await store.migrate())  # once
        page = await store.comments.queue(Listing(CommentStatus.APPROVED, unanswered=True), None, 10)
    finally:
        await store.close()
    assert [comment.id for comment in page.comments] == [3, 1]
    assert await db.query(config, "SELECT id FROM comments WHERE asks_question IS NULL") == []
