"""A database whose readers' tables were keyed under the secret key (before migration 0012): its
rows are re-keyed by the index, and a do-not-mail entry no address is left for still holds."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.store import open_store
from moderation.store.migrate import migration_files
from tests import db
from tests.conftest import make_config
from tests.factories import submit
from tests.readers import approved, mails_to, settle
from tests.smtp import SmtpSink
from tests.transfer_run import command_env, run

THREAD = "/how-many-ketamine-treatments/"
FORGOTTEN = "gone.reader@readers.example"  # forgotten before the upgrade: only its do-not-mail entry is left
NEVER = "never.again@readers.example"  # asked never to be mailed again; its comment is still there
ACTIVE = "still.here@readers.example"  # confirmed, and waits for replies
REPLIER = "replier@readers.example"


def old_key(config: Config, address: str) -> str:
    """The readers' tables' key of an address before 0012: a blake2b under the secret key."""
    key = hashlib.sha256(f"reader:{config.secret_key}".encode()).digest()
    return hashlib.blake2b(address.strip().lower().encode(), key=key, digest_size=16).hexdigest()


async def schema_before_0012(config: Config) -> None:
    """Every migration before 0012 applied, as the version before wrote its database."""
    if config.sqlite_path is not None:
        files = [path for path in migration_files("sqlite") if path.name < "0012"]
        with closing(sqlite3.connect(config.sqlite_path)) as database:
            database.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
            for path in files:
                database.executescript(path.read_text())
                database.execute("INSERT INTO schema_migrations VALUES (?, 0)", (path.name,))
            database.commit()
        return
    connection = await asyncpg.connect(config.database_url)
    try:
        await connection.execute("CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at double precision)")
        for path in (path for path in migration_files("postgres") if path.name < "0012"):
            await connection.execute(path.read_text())
            await connection.execute("INSERT INTO schema_migrations VALUES ($1, 0)", path.name)
    finally:
        await connection.close()


async def old_comment(config: Config, address: str, *, sealed: bool) -> int:
    """An approved comment as the version before stored it: sealed and indexed, or (older still,
    before addresses were sealed) in clear with no index yet."""
    rows = await db.query(
        config,
        "INSERT INTO comments (thread_id, name, email, email_index, avatar, body, body_html, created_at, status,"
        " body_digest) VALUES (1, 'Old', ?, ?, 'a', 'b', '<p>b</p>', 1, 'approved', 'd') RETURNING id",
        "" if sealed else address,
        config.sealer().index(address) if sealed else None,
    )
    comment_id = int(rows[0][0])
    if sealed:
        value = config.sealer().seal(address, "comments", "email", comment_id)
        await db.query(config, "UPDATE comments SET email = ? WHERE id = ?", value, comment_id)
    return comment_id


async def database_before_0012(config: Config, *, sealed: bool) -> int:
    """Readers' rows as the version before wrote them; the id of ACTIVE's comment."""
    await schema_before_0012(config)
    await db.query(config, "INSERT INTO threads (key, title, approved) VALUES (?, 'Old', 2)", THREAD)
    never = await old_comment(config, NEVER, sealed=sealed)
    active = await old_comment(config, ACTIVE, sealed=sealed)
    await db.query(
        config,
        "INSERT INTO subscriptions (comment_id, address_key, status, created_at, ended_at)"
        " VALUES (?, ?, 'ended', 1, 2)",
        never,
        old_key(config, NEVER),
    )
    await db.query(
        config,
        "INSERT INTO subscriptions (comment_id, address_key, status, created_at, published_at, confirmed_at)"
        " VALUES (?, ?, 'active', 1, 1, 1)",
        active,
        old_key(config, ACTIVE),
    )
    await db.query(
        config,
        "INSERT INTO subscription_confirmations (token_hash, address_key, created_at, used_at) VALUES ('h', ?, 1, 1)",
        old_key(config, ACTIVE),
    )
    await db.query(
        config, "INSERT INTO confirmation_marks (address_key, sent_at) VALUES (?, 1)", old_key(config, ACTIVE)
    )
    for address in (NEVER, FORGOTTEN):
        await db.query(
            config, "INSERT INTO do_not_mail (address_key, created_at) VALUES (?, 1)", old_key(config, address)
        )
    return active


async def keys(config: Config, table: str) -> list[tuple[str, bool]]:
    rows = await db.query(config, f"SELECT address_key, legacy FROM {table} ORDER BY address_key")
    return [(key, bool(legacy)) for key, legacy in rows]


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "in-clear"])
async def test_a_legacy_do_not_mail_entry_still_blocks_mail_after_the_upgrade_and_the_rest_is_re_keyed(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    sealed: bool,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    config = make_config(tmp_path, smtpd.port, database_url=database_url)
    active = await database_before_0012(config, sealed=sealed)
    index = config.sealer().index

    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        applied = await store.migrate()
        assert "0012_readers_by_index.sql" in applied and "re-keyed 5 reader rows by the index key" in applied
        counts = await store.keys.counts()
        assert (counts.indexed, counts.legacy) == (5, 1)
        assert await store.migrate() == []  # once done, nothing to do
    finally:
        await store.close()
    assert await keys(config, "subscriptions") == sorted([(index(NEVER), False), (index(ACTIVE), False)])
    assert await keys(config, "subscription_confirmations") == [(index(ACTIVE), False)]
    assert await keys(config, "confirmation_marks") == [(index(ACTIVE), False)]
    assert await keys(config, "do_not_mail") == sorted([(index(NEVER), False), (old_key(config, FORGOTTEN), True)])

    client: TestClient = await aiohttp_client(create_app(config))
    # Both who asked never to be mailed tick the box again, in another case, and are published.
    await approved(client, smtpd, email=FORGOTTEN.upper(), notify=True, body="Back after being forgotten.")
    await approved(client, smtpd, email=NEVER.upper(), notify=True, body="Back, but still no mail, please.")
    # The confirmed subscription still hears of a reply.
    await approved(client, smtpd, email=REPLIER, parent=active, body="A reply after the upgrade.")
    await submit(client, email=REPLIER, body="Unrelated.")
    await settle(client, smtpd)
    assert mails_to(smtpd, FORGOTTEN) == [] and mails_to(smtpd, NEVER) == []
    (reply,) = mails_to(smtpd, ACTIVE)
    assert "A reply after the upgrade." in reply.as_string()
    # Seen again, the forgotten address's entry took the index form, which no longer needs the secret key.
    assert await keys(config, "do_not_mail") == sorted([(index(NEVER), False), (index(FORGOTTEN), False)])


async def test_migrate_and_keys_status_from_the_command_line_count_the_readers_rows(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    config = make_config(tmp_path, smtpd.port)
    await database_before_0012(config, sealed=True)
    env = command_env(tmp_path, config.database_url)
    migrated = run(env, tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    # 0012 and whatever migrations came after it, then the data steps (the comments written
    # before 0021 are judged for the queue's unanswered filter).
    since_0012 = [path.name for path in migration_files("sqlite") if path.name >= "0012"]
    assert since_0012[0] == "0012_readers_by_index.sql"
    assert migrated.stdout.strip() == (
        f"applied: {', '.join(since_0012)}, re-keyed 5 reader rows by the index key,"
        " judged whether 2 comments ask a question"
    )
    status = run(env, tmp_path, "keys", "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [
        "t1: 2 rows",
        "under no configured key: 0 rows",
        "readers' rows keyed by MODERATION_INDEX_KEY: 5 rows",
        "do-not-mail entries keyed by MODERATION_SECRET_KEY (legacy): 1 rows",
    ]
