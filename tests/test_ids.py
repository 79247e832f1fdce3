"""Comment ids are never used twice: whatever named a removed comment never reaches another one."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from moderation.app import service_links
from moderation.app_keys import store_key
from moderation.config import Config
from moderation.models import Action, Channel, NewComment
from moderation.store import open_store
from moderation.store.migrate import migration_files
from moderation.tokens import LinkSigner
from tests import db
from tests.conftest import MODERATORS
from tests.factories import submit
from tests.moderators import Clock, outcome, sign_in
from tests.smtp import SmtpSink, link_path, mails_for

LEAVING = "leaving.reader@example.com"
REMOVED = "This comment was removed."


async def status_of(config: Config, comment_id: int) -> str:
    (row,) = await db.query(config, "SELECT status FROM comments WHERE id = ?", comment_id)
    return str(row[0])


async def test_after_the_newest_comment_is_forgotten_the_next_gets_a_new_id_and_old_links_say_removed(
    service: TestClient, smtpd: SmtpSink, config: Config, clock: Clock
) -> None:
    await submit(service, body="An older comment that stays.")
    forgotten = await submit(service, email=LEAVING, body="The newest comment, soon forgotten.")
    email_link = link_path(mails_for(await smtpd.wait_for(4), forgotten)[0], "approve")
    digest_link = "/moderate/" + LinkSigner(config.secret_key, config.link_ttl, clock=clock).mint(
        forgotten, Action.APPROVE, MODERATORS[0], Channel.DIGEST_LINK
    )
    assert (await service.app[store_key].comments.forget(LEAVING)).comments == 1

    newer = await submit(service, thread="/another-page/", body="Written after the forgetting, on another page.")
    assert newer > forgotten
    for path in (email_link, digest_link):
        for method in (service.get, service.post):
            response = await method(path)
            assert response.status == 410, path
            assert REMOVED in await response.text()
    assert await status_of(config, newer) == "pending"
    # The audit log keeps the two comments' histories apart.
    entries = await db.query(config, "SELECT comment_id, to_status FROM audit_log ORDER BY id")
    assert [to for id_, to in entries if id_ == forgotten] == ["pending", "removed"]
    assert [to for id_, to in entries if id_ == newer] == ["pending"]


async def test_the_queue_says_a_comment_removed_meanwhile_is_no_longer_there(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    alice = await sign_in(service, smtpd)
    forgotten = await submit(service, email=LEAVING)
    csrf = await alice.csrf()  # the queue as it was while the comment still waited
    await service.app[store_key].comments.forget(LEAVING)
    newer = await submit(service, body="The next comment, after the forgetting.")

    response = await alice.post("/queue/decide", [("csrf", csrf), ("action", "approve"), ("id", str(forgotten))])
    assert response.status == 303
    assert outcome(await alice.page(response.headers["Location"])).startswith("1 no longer there.")
    assert await status_of(config, newer) == "pending"


# A database as the version before 0016 left it: the newest comment (4) was forgotten, so only the
# audit log and the import ledger remember its id; 3 replies to 1, 2 has mail and a webhook.
ROWS_AT_0015 = [
    "INSERT INTO threads (key, title, version, approved) VALUES ('/a/', 'A page', 5, 2)",
    "INSERT INTO comments (thread_id, status, name, email, email_index, avatar, body, body_html, created_at,"
    " body_digest, lang) VALUES"
    " (1, 'approved', 'One', 'sealed-1', 'i1', 'a1', 'b1', '<p>b1</p>', 1, 'd1', 'de'),"
    " (1, 'pending', 'Two', 'sealed-2', 'i2', 'a2', 'b2', '<p>b2</p>', 2, 'd2', NULL),"
    " (1, 'approved', 'Three', 'sealed-3', 'i3', 'a3', 'b3', '<p>b3</p>', 3, 'd3', NULL)",
    "UPDATE comments SET parent_id = 1 WHERE id = 3",
    "INSERT INTO comments (thread_id, name, email, avatar, body, body_html, created_at)"
    " VALUES (1, 'Four', '', '', '', '', 4)",
    "DELETE FROM comments WHERE id = 4",
    "INSERT INTO outbox (comment_id, recipient, recipient_index, next_attempt_at, created_at)"
    " VALUES (2, 'sealed-r', 'ri', 2, 2)",
    "INSERT INTO webhook_outbox (url, event, comment_id, body, next_attempt_at, created_at)"
    " VALUES ('https://hooks.example/', 'comment.pending', 2, '{}', 2, 2)",
    "INSERT INTO subscriptions (comment_id, address_key, created_at) VALUES (1, 'k1', 1)",
    "INSERT INTO unsubscribe_links (token_hash, subscription_id, created_at) VALUES ('h1', 1, 1)",
    "INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at) VALUES"
    " (1, NULL, 'pending', 'system', 'submission', 1), (2, NULL, 'pending', 'system', 'submission', 2),"
    " (3, NULL, 'pending', 'system', 'submission', 3), (4, NULL, 'pending', 'system', 'submission', 4),"
    " (4, 'pending', 'removed', 'cli', 'cli', 5)",
    "INSERT INTO imported (source, source_id, comment_id) VALUES ('jsonl', 'x4', 4)",
]
TABLES = ("threads", "comments", "outbox", "webhook_outbox", "subscriptions", "unsubscribe_links", "audit_log")


async def database_before(config: Config, migration: str, statements: list[str]) -> None:
    """A database as the version before `migration` (a number: "0016") left it, with these rows."""
    dialect = "sqlite" if config.sqlite_path else "postgres"
    before = [path for path in migration_files(dialect) if path.name < migration]
    if config.sqlite_path is not None:
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(config.sqlite_path)) as database:
            database.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
            for path in before:
                database.executescript(path.read_text())
                database.execute("INSERT INTO schema_migrations VALUES (?, 0)", (path.name,))
            for statement in statements:
                database.execute(statement)
            database.commit()
        return
    connection = await asyncpg.connect(config.database_url)
    try:
        await connection.execute("CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at double precision)")
        for path in before:
            await connection.execute(path.read_text())
            await connection.execute("INSERT INTO schema_migrations VALUES ($1, 0)", path.name)
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def table_rows(config: Config) -> dict[str, list[dict[str, Any]]]:
    order = {"unsubscribe_links": "token_hash"}
    return {
        table: await db.records(config, f"SELECT * FROM {table} ORDER BY {order.get(table, 'id')}") for table in TABLES
    }


# Columns that later migrations take away, each with the test of where its content went.
DROPPED = {"comments": {"flags"}}  # into `holds` (0020: tests/test_migrations.py)


def as_before(rows: dict[str, list[dict[str, Any]]], before: dict[str, list[dict[str, Any]]]) -> object:
    """The rows, with only the columns they had before (later migrations may add some, and drop DROPPED)."""
    return {
        table: [
            {column: row[column] for column in old if column not in DROPPED.get(table, set())}
            for row, old in zip(found, before[table], strict=True)
        ]
        for table, found in rows.items()
    }


def sqlite_schema(config: Config) -> dict[str, set[str]]:
    """Each table's indexes and triggers, and the tables each one's foreign keys point at."""
    assert config.sqlite_path is not None
    with closing(sqlite3.connect(config.sqlite_path)) as database:
        tables = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            objects = database.execute(
                "SELECT type || ' ' || name FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')",
                (table,),
            )
            references = database.execute(f"PRAGMA foreign_key_list({table})")
            found[table] = {row[0] for row in objects} | {f"-> {row[2]}.{row[3]}" for row in references}
        return found


async def test_an_upgrade_keeps_every_row_and_id_and_never_hands_out_an_id_used_before(config: Config) -> None:
    await database_before(config, "0016", ROWS_AT_0015)
    if config.sqlite_path is None:  # a restore that set the sequence back: it moves past every id used
        await db.query(config, "ALTER TABLE comments ALTER COLUMN id RESTART WITH 3")
    rows_before = await table_rows(config)
    schema_before = sqlite_schema(config) if config.sqlite_path else {}

    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        applied = await store.migrate()
        assert "0016_comment_ids_never_reused.sql" in applied
        assert as_before(await table_rows(config), rows_before) == as_before(rows_before, rows_before)
        if config.sqlite_path:
            schema = sqlite_schema(config)
            assert schema.pop("sqlite_sequence") == set()  # AUTOINCREMENT's own table, new
            assert schema.pop("spam_features") == set()  # the spam classifier's (0018), new
            schema.pop("api_tokens")  # the moderation API's tokens (0019), new
            schema.pop("spam_feature_version")  # which features the classifier's counts are of (0022), new
            schema.pop("author_links")  # a writer's private links to their own comments (0023), new
            schema.pop("data_links")  # the /mydata links (0024), new
            schema.pop("spent_challenges")  # the proofs of work taken (0025), new
            # The queue's orders by score and the replies under a comment (0021), new.
            schema["comments"] -= {f"index comments_by_{name}" for name in ("score", "score_desc", "parent")}
            assert schema == schema_before
            assert await db.query(config, "SELECT seq FROM sqlite_sequence WHERE name = 'comments'") == [(4,)]
            assert await db.query(config, "PRAGMA foreign_key_check") == []
            assert await db.query(config, "PRAGMA integrity_check") == [("ok",)]
        new = (
            await store.comments.submit(
                NewComment(
                    thread="/a/",
                    title="",
                    name="Five",
                    email="five@example.com",
                    website="",
                    body="b5",
                    body_html="<p>b5</p>",
                    avatar="a5",
                )
            )
        ).id
    finally:
        await store.close()
    assert new == 5
