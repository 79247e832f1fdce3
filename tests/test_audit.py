"""The audit log: one entry per real change, in the change's own transaction, never edited."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import service_links
from moderation.config import Config
from moderation.models import CLI, REMOVED, SYSTEM, Action, Channel, CommentStatus
from moderation.resources import folder
from moderation.store import Store, open_store
from tests import db
from tests.conftest import MODERATORS, free_port, make_config
from tests.factories import comment_data, submit
from tests.smtp import SmtpSink, link_path, mails_for


async def entries(config: Config, comment_id: int) -> list[dict[str, object]]:
    return await db.records(
        config,
        "SELECT a.from_status, a.to_status, a.actor, a.channel, r.reason"
        " FROM audit_log a LEFT JOIN audit_reasons r ON r.entry_id = a.id WHERE a.comment_id = ? ORDER BY a.id",
        comment_id,
    )


def entry(before: str | None, after: str, actor: str, channel: str, reason: str | None = None) -> dict[str, object]:
    return {"from_status": before, "to_status": after, "actor": actor, "channel": channel, "reason": reason}


async def test_a_submission_and_an_email_link_decision_each_append_one_entry(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(client)
    assert await entries(config, comment_id) == [entry(None, "pending", SYSTEM, "submission")]

    mails = mails_for(await smtpd.wait_for(2), comment_id)
    link = link_path(next(m for m in mails if str(m["To"]) == MODERATORS[1]), "approve")
    assert (await client.get(link)).status == 200  # looking changes nothing, and logs nothing
    assert len(await entries(config, comment_id)) == 1
    assert (await client.post(link)).status == 200
    assert (await client.post(link)).status == 200  # again: nothing changes, nothing is logged
    assert await entries(config, comment_id) == [
        entry(None, "pending", SYSTEM, "submission"),
        entry("pending", "approved", MODERATORS[1], "email_link"),
    ]


async def test_spam_is_logged_as_the_systems_decision_with_the_rule_that_caught_it(
    client: TestClient, config: Config
) -> None:
    response = await client.post("/api/comments", json=comment_data(homepage="http://bot.example"))
    comment_id = (await response.json())["id"]
    (logged,) = await entries(config, comment_id)
    assert logged["to_status"] == "spam" and logged["actor"] == SYSTEM and logged["channel"] == "submission"
    assert "hidden field" in str(logged["reason"])


async def test_queue_decisions_restore_and_forget_are_logged_and_forget_drops_the_reasons(
    client: TestClient, store: Store, config: Config
) -> None:
    comment_id = await submit(client, email="forget.me@example.com")
    moderator = MODERATORS[0]
    (rejected,) = await store.comments.decide(
        [comment_id], Action.REJECT, actor=moderator, channel=Channel.QUEUE, reason="Mentions Dana's dosage"
    )
    assert rejected.changed and rejected.comment.status is CommentStatus.REJECTED
    (restored,) = await store.comments.decide([comment_id], Action.RESTORE, actor=moderator, channel=Channel.QUEUE)
    assert restored.changed and restored.comment.status is CommentStatus.PENDING
    (again,) = await store.comments.decide([comment_id], Action.RESTORE, actor=moderator, channel=Channel.QUEUE)
    assert not again.changed  # restore applies to rejected and spam comments only
    assert await entries(config, comment_id) == [
        entry(None, "pending", SYSTEM, "submission"),
        entry("pending", "rejected", moderator, "queue", "Mentions Dana's dosage"),
        entry("rejected", "pending", moderator, "queue"),
    ]

    await store.comments.forget("forget.me@example.com")
    logged = await entries(config, comment_id)
    assert all(row["reason"] is None for row in logged), "forget left a reason behind"
    assert logged[-1] == entry("pending", REMOVED, CLI, "cli")
    assert len(logged) == 4
    assert [e.to_status for e in await store.comments.audit_log(since=0)][-1] == REMOVED


async def test_two_moderators_racing_on_one_comment_make_one_decision_and_the_loser_learns_who_won(
    client: TestClient, store: Store, config: Config
) -> None:
    comment_id = await submit(client)
    alice, bob = MODERATORS
    results = await asyncio.gather(
        store.comments.decide([comment_id], Action.APPROVE, actor=alice, channel=Channel.QUEUE),
        store.comments.decide([comment_id], Action.REJECT, actor=bob, channel=Channel.EMAIL_LINK),
    )
    outcomes = [outcome for (outcome,) in results]
    assert sorted(outcome.changed for outcome in outcomes) == [False, True]
    winner = next(outcome for outcome in outcomes if outcome.changed)
    loser = next(outcome for outcome in outcomes if not outcome.changed)
    assert loser.last is not None and loser.last.actor == winner.last.actor  # type: ignore[union-attr]
    assert loser.comment.status == winner.comment.status
    assert len(await entries(config, comment_id)) == 2


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"])
async def test_the_log_refuses_to_be_changed_or_emptied(client: TestClient, config: Config, statement: str) -> None:
    comment_id = await submit(client)
    with pytest.raises((sqlite3.IntegrityError, asyncpg.RaiseError), match="append-only"):
        await db.query(config, statement)
    assert await entries(config, comment_id) == [entry(None, "pending", SYSTEM, "submission")]


async def test_comments_from_before_the_log_get_their_arrival_and_decision_backfilled(tmp_path: Path) -> None:
    config = make_config(tmp_path, free_port())
    path = config.sqlite_path
    assert path is not None
    earlier = sorted(folder("migrations").joinpath("sqlite").glob("000[1-4]_*.sql"))
    with closing(sqlite3.connect(path)) as database, database:
        database.execute("CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
        for migration in earlier:
            database.executescript(migration.read_text())
            database.execute("INSERT INTO schema_migrations VALUES (?, 0)", (migration.name,))
        database.execute("INSERT INTO threads (id, key) VALUES (1, '/page/')")
        database.execute(
            "INSERT INTO comments (id, thread_id, name, email, avatar, body, body_html, created_at, status,"
            " decided_at, decided_by) VALUES (7, 1, 'Dana', 'd@example.com', 'a', 'Hi', '<p>Hi</p>', 100, 'approved',"
            " 200, 'alice@clinic.example')"
        )
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        await store.migrate()
        assert [(e.from_status, e.to_status, e.actor, e.channel) for e in await store.comments.audit_log(since=0)] == [
            (None, "pending", SYSTEM, Channel.SUBMISSION),
            (CommentStatus.PENDING, "approved", "alice@clinic.example", Channel.EMAIL_LINK),
        ]
    finally:
        await store.close()
