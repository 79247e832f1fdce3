"""Addresses sealed at rest: no copy of the database shows one, yet forget, reader mail and key
rotation work as before."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.sealer import UNREADABLE, new_key_text
from moderation.store import open_store
from tests import db
from tests.conftest import MODERATORS, SITE, free_port, make_config
from tests.factories import submit
from tests.readers import (
    READER,
    approved,
    confirmed,
    mails_to,
    settle,
    subscribed,
    unsubscribe_path,
    wait_for_mails_to,
)
from tests.service import generated_keys, run_command, service_env
from tests.smtp import SmtpSink, mails_for
from tests.transfer_files import wxr, wxr_comment, wxr_item
from tests.transfer_run import command_env, run
from tests.waiting import eventually

CANARY = "Canary.Sealed-7f3a@readers.example"  # the domain as validation keeps it; the local part's case stays
OTHER = "other.reader@readers.example"


def forms(address: str) -> list[bytes]:
    """Every way an address could show up in the bytes of a file."""
    found = []
    for text in (address, address.lower(), address.upper()):
        found += [text.encode(), base64.b64encode(text.encode()), text.encode("utf-16-le")]
    return found


async def every_row_as_text(config: Config) -> str:
    """Every table's every row, as PostgreSQL prints it: what a dump would hold."""
    tables = await db.query(
        config, "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    rows = []
    for (table,) in tables:
        rows += [str(row) for row in await db.query(config, f"SELECT t::text FROM {table} t")]
    return "\n".join(rows)


def pg_dump(config: Config) -> str:
    """The schema's dump, rows included, where pg_dump is installed; else ''."""
    url, _, query = config.database_url.partition("?")
    schema = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("search_path", "")
    if not shutil.which("pg_dump") or not schema:
        return ""
    dump = subprocess.run(["pg_dump", "--schema", schema, url], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    assert "COPY " in dump.stdout  # the rows themselves, not only the schema
    return dump.stdout


def raw_files(config: Config) -> dict[str, bytes]:
    path = config.sqlite_path
    assert path is not None
    return {name.name: name.read_bytes() for name in (path, Path(f"{path}-wal")) if name.exists()}


async def assert_no_canary(config: Config, *addresses: str) -> None:
    if config.sqlite_path is not None:
        files = raw_files(config)
        assert files  # the file and, while it serves, its WAL
        for name, data in files.items():
            for form in (form for address in addresses for form in forms(address)):
                assert form not in data, f"{form!r} in {name}"
    else:
        text = (await every_row_as_text(config) + pg_dump(config)).lower()
        for address in addresses:
            assert address.lower() not in text
            assert base64.b64encode(address.encode()).decode().lower() not in text


async def test_no_address_is_in_the_database_or_its_wal_after_submissions_subscriptions_and_mail(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await confirmed(service, smtpd, CANARY, body="How many sessions does it take?")
    await approved(service, smtpd, email=OTHER, parent=question, body="Six, in my case.")
    # Another reader subscribes, then leaves from the mail client's button; a third asks never
    # to be mailed again, and then to be forgotten.
    other = await subscribed(service, smtpd, OTHER, body="And how long does each one last?")
    assert (await service.post(unsubscribe_path(other), data={"List-Unsubscribe": "One-Click"})).status == 200
    reader = await subscribed(service, smtpd, READER, parent=question, body="Did it help for long?")
    assert (await service.post(unsubscribe_path(reader), data={"never": "1"})).status == 200
    await settle(service, smtpd)
    # The mail went out to the address itself: sealed, not lost.
    assert len(mails_to(smtpd, CANARY)) == 3  # published (with its confirm line), then two replies
    assert len(mails_to(smtpd, MODERATORS[0])) >= 5
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        assert (await store.comments.forget(READER.upper())).comments == 1
    finally:
        await store.close()
    # The readers' tables know each address by its index alone, as the comments do.
    sealer = config.sealer()
    indexes = {sealer.index(address) for address in (CANARY, OTHER, READER)}
    for table in ("subscriptions", "subscription_confirmations", "confirmation_marks", "do_not_mail"):
        keys = {key for (key,) in await db.query(config, f"SELECT address_key FROM {table}")}
        assert keys and keys <= indexes, table
    # Moderators' own addresses stay readable where they name who decided (audit, sign-in); the
    # readers' are sealed everywhere.
    await assert_no_canary(config, CANARY, OTHER, READER)


async def test_forget_finds_an_address_written_in_another_case(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    await submit(service, email=CANARY)
    await submit(service, email=OTHER)
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        gone = await store.comments.forget(CANARY.upper())
    finally:
        await store.close()
    assert gone.comments == 1
    remaining = await db.query(config, "SELECT COUNT(*) FROM comments")
    assert remaining == [(1,)]


async def test_a_ciphertext_moved_to_another_row_does_not_open_and_only_that_row_says_so(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    first = await submit(service, email=CANARY, body="First.")
    second = await submit(service, email=OTHER, body="Second.")
    third = await submit(service, email=READER, body="Third.")
    ((sealed,),) = await db.query(config, "SELECT email FROM comments WHERE id = ?", first)
    await db.query(config, "UPDATE comments SET email = ? WHERE id = ?", sealed, second)
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        got = [await store.comments.get(id_) for id_ in (first, second, third)]
    finally:
        await store.close()
    assert [comment.email if comment else None for comment in got] == [CANARY, UNREADABLE, READER]


async def test_a_damaged_recipient_gives_up_that_mail_alone(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    # A waiting mail whose sealed recipient was damaged on disk (a key id this service does not hold).
    await db.query(
        config,
        "INSERT INTO outbox (kind, recipient, recipient_index, next_attempt_at, created_at)"
        " VALUES ('sign_in', 'zz:AAAA', '', 0, 0)",
    )
    comment_id = await submit(service, email=OTHER, body="Some text.")
    # The mail behind it goes out, to every moderator.
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    rows = await eventually(
        lambda: db.records(
            config, "SELECT status, last_error FROM outbox WHERE recipient = 'zz:AAAA' AND status = 'failed'"
        )
    )
    assert "cannot be opened" in rows[0]["last_error"]


async def test_after_a_rotation_the_old_key_can_go_and_mail_still_flows(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    old, new = new_key_text("old"), new_key_text("new")
    config = make_config(tmp_path, smtpd.port, database_url=database_url, data_keys=old)
    client = await aiohttp_client(create_app(config))
    question = await confirmed(client, smtpd, CANARY)
    await client.close()

    both = config.replace(data_keys=f"{new},{old}")
    store = await open_store(both, links=service_links(both), clock=time.time)
    try:
        await store.migrate()
        assert (await store.keys.counts()).per_key["old"] > 0
        assert await store.keys.rotate() > 0
        counts = await store.keys.counts()
        assert counts.per_key == {"new": sum(counts.per_key.values()), "old": 0} and counts.other == 0
        assert await store.keys.rotate() == 0  # nothing left: a second run is a no-op
    finally:
        await store.close()

    client = await aiohttp_client(create_app(config.replace(data_keys=new)))
    await approved(client, smtpd, email=OTHER, parent=question, body="A reply after the rotation.")
    await wait_for_mails_to(smtpd, CANARY, 2)  # published, then the reply: its address opened under the new key


def test_a_wrong_key_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = service_env(tmp_path, DATA_KEYS=new_key_text("k1"), INDEX_KEY=new_key_text("i1"))
    assert run_command(["migrate"], env, tmp_path).returncode == 0
    for variable in ("DATA_KEYS", "INDEX_KEY"):
        wrong = {**env, f"MODERATION_{variable}": new_key_text("k1" if variable == "DATA_KEYS" else "i1")}
        result = run_command(["migrate"], wrong, tmp_path)
        assert result.returncode == 2
        assert result.stderr.strip().startswith(f"moderation: MODERATION_{variable}: "), result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_to_start_without_the_keys(tmp_path: Path) -> None:
    env = service_env(
        tmp_path, ENV="production", PUBLIC_URL="https://comments.example", SECRET_KEY=generated_keys()["SECRET_KEY"]
    )
    result = run_command(["migrate"], env, tmp_path)
    assert result.returncode == 2 and "MODERATION_DATA_KEYS: required" in result.stderr


def test_development_generates_the_keys_into_the_data_folder_once(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    assert run_command(["migrate"], env, tmp_path).returncode == 0
    keys = (tmp_path / "data_keys").read_text(), (tmp_path / "index_key").read_text()
    result = run_command(["keys", "status"], env, tmp_path)
    assert result.returncode == 0 and "MODERATION_DATA_KEYS is not set" in result.stderr
    assert ((tmp_path / "data_keys").read_text(), (tmp_path / "index_key").read_text()) == keys
    assert (tmp_path / "data_keys").stat().st_mode & 0o077 == 0


async def test_the_data_step_seals_an_older_database_and_leaves_no_plaintext(tmp_path: Path) -> None:
    config = make_config(tmp_path, free_port())
    store = await open_store(config, links=service_links(config), clock=time.time)
    await store.migrate()
    await store.close()
    path = config.sqlite_path
    assert path is not None
    # Rows as a version before sealing wrote them: the address in clear, no index.
    with closing(sqlite3.connect(path)) as old, old:
        old.execute("INSERT INTO threads (key, title) VALUES ('/a/', 'A')")
        old.execute(
            "INSERT INTO comments (thread_id, name, email, website, avatar, body, body_html, remote_addr,"
            " created_at, status, body_digest)"
            " VALUES (1, 'N', ?, '', '', 'b', '<p>b</p>', '', 1, 'pending', 'd')",
            (CANARY,),
        )
        old.execute(
            "INSERT INTO outbox (comment_id, recipient, next_attempt_at, created_at) VALUES (1, ?, 1, 1)", (CANARY,)
        )
    assert any(CANARY.encode() in data for data in raw_files(config).values())
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        assert "sealed 2 stored addresses" in await store.migrate()
        comment = await store.comments.get(1)
        assert comment is not None and comment.email == CANARY
        assert await store.migrate() == []  # idempotent
    finally:
        await store.close()
    await assert_no_canary(config, CANARY)


async def test_the_public_avatar_is_never_the_lookup_index(service: TestClient, config: Config) -> None:
    comment_id = await submit(service, email=CANARY)
    ((avatar, index),) = await db.query(config, "SELECT avatar, email_index FROM comments WHERE id = ?", comment_id)
    assert index == config.sealer().index(CANARY.upper())
    assert avatar and avatar != index and avatar not in index


def test_keys_status_and_rotate_from_the_command_line(tmp_path: Path) -> None:
    old, new = new_key_text("k1"), new_key_text("k2")
    env = service_env(tmp_path, DATA_KEYS=old, INDEX_KEY=new_key_text("i1"))
    assert run_command(["migrate"], env, tmp_path).returncode == 0
    with closing(sqlite3.connect(tmp_path / "comments.sqlite3")) as database, database:
        database.execute(
            "INSERT INTO outbox (kind, recipient, next_attempt_at, created_at) VALUES ('sign_in', ?, 0, 0)", (CANARY,)
        )
    status = run_command(["keys", "status"], env, tmp_path)
    assert status.returncode == 0 and "k1: 1 rows" in status.stdout  # the data step sealed it
    rotated = run_command(["keys", "rotate"], {**env, "MODERATION_DATA_KEYS": f"{new},{old}"}, tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert "looked at 1 rows" in rotated.stdout and "k2: 1 rows" in rotated.stdout and "k1: 0 rows" in rotated.stdout
    after = run_command(["keys", "status"], {**env, "MODERATION_DATA_KEYS": new}, tmp_path)
    assert after.returncode == 0 and "k2: 1 rows" in after.stdout and "under no configured key: 0 rows" in after.stdout


async def test_imported_addresses_are_sealed_too_and_export_opens_them(
    service: TestClient, config: Config, tmp_path: Path
) -> None:
    source = wxr(tmp_path / "wordpress.xml", wxr_item(f"{SITE}/moved/", "Moved", wxr_comment("1", "Hi", email=CANARY)))
    env = command_env(tmp_path, config.database_url)
    assert run(env, tmp_path, "import", "--format", "wxr", str(source)).returncode == 0
    await assert_no_canary(config, CANARY)
    exported = run(env, tmp_path, "export", "--include-email")
    assert exported.returncode == 0, exported.stderr
    assert CANARY.lower() in exported.stdout.lower()
