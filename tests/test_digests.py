"""Digests and the burst cap, with the service's clock moved by the test and a real SMTP sink.

The clock runs at real speed from a chosen moment and jumps where a test sends it; the service
reads it for everything (create_app(config, clock=...)), its digest task included.
"""

from __future__ import annotations

import asyncio
import html
import re
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from moderation.app import create_app
from moderation.app_keys import signer_key, store_key
from moderation.config import Config
from moderation.mail.digests import SETTLE
from moderation.models import Action
from tests import db
from tests.conftest import MODERATORS, PUBLIC_URL, free_port, make_config
from tests.factories import HELD_BODY, HOLDS, comment_data, held_comment, submit
from tests.smtp import SmtpSink, text_of
from tests.waiting import eventually


class Clock:
    """Real time, shifted: it ticks on from wherever the test last set it."""

    def __init__(self, at: datetime):
        self.set(at)

    def set(self, at: datetime) -> None:
        self._offset = at.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self._offset


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def digest_config(tmp_path: Path, smtp_port: int, database_url: str, notify: str) -> Config:
    # The digest task looks at the clock often, so that a jump is noticed at once.
    return make_config(tmp_path, smtp_port, database_url=database_url, notify=notify, digest_poll=0.05)


def numbered_body(number: int) -> str:
    return f"Comment number {number:03d}: the sessions helped me more than I expected."


def numbers_in(message: EmailMessage) -> list[int]:
    return [int(found) for found in re.findall(r"Comment number (\d{3})", text_of(message))]


def digests(messages: list[EmailMessage]) -> list[EmailMessage]:
    return [m for m in messages if str(m["Message-ID"]).startswith("<digest-")]


def digest_to(messages: list[EmailMessage], moderator: str) -> EmailMessage:
    (found,) = [m for m in digests(messages) if str(m["To"]) == moderator]
    return found


def link_paths(message: EmailMessage, action: str) -> list[str]:
    """The path of every `Approve: URL` (or `Reject: URL`) line of the text part, in order."""
    urls = re.findall(rf"^{action.capitalize()}: (\S+)\r?$", text_of(message), re.MULTILINE)
    assert all(url.startswith(f"{PUBLIC_URL}/moderate/") for url in urls)
    return [urlsplit(url).path for url in urls]


async def outbox(config: Config, kind: str) -> list[dict[str, object]]:
    rows = await db.records(config, "SELECT id, recipient, status FROM outbox WHERE kind = ? ORDER BY id", kind)
    return [{"recipient": db.recipient(config, row), "status": row["status"]} for row in rows]


async def nothing_more_arrives(smtpd: SmtpSink, count: int) -> None:
    """A second in which the digest task looks at the clock about twenty times: still `count` mails."""
    await asyncio.sleep(1.0)
    assert len(smtpd.messages) == count, [str(m["Subject"]) for m in smtpd.messages]


async def audit_channels(config: Config, comment_id: int) -> list[tuple[str, str, str]]:
    rows = await db.query(
        config, "SELECT to_status, actor, channel FROM audit_log WHERE comment_id = ? ORDER BY id", comment_id
    )
    return [(str(to), str(actor), str(channel)) for to, actor, channel in rows]


# --- digest modes ---------------------------------------------------------------------------


async def test_daily_mode_sends_no_mail_per_comment_and_one_digest_per_moderator_at_midnight(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, smtpd.port, database_url, "daily")
    client = await aiohttp_client(create_app(config, clock=clock))
    for number in range(27):
        await submit(client, body=numbered_body(number))
    assert await outbox(config, "new_comment") == []  # nothing written for single comments

    clock.set(utc(10, 23, 59, 58))
    await nothing_more_arrives(smtpd, 0)

    clock.set(utc(11, 0, 0, 10))
    await smtpd.wait_for(len(MODERATORS))
    await nothing_more_arrives(smtpd, len(MODERATORS))
    for moderator in MODERATORS:
        digest = digest_to(smtpd.messages, moderator)
        assert str(digest["Subject"]) == "27 comments awaiting approval"
        assert digest.get_content_type() == "multipart/alternative"
        text = text_of(digest)
        assert "27 comments wait for your approval; the oldest 25:" in text
        assert numbers_in(digest) == list(range(25))  # oldest first, each with its own links
        assert len(link_paths(digest, "approve")) == len(link_paths(digest, "reject")) == 25
        assert f"2 more wait in the queue: {PUBLIC_URL}/queue" in text
    assert await outbox(config, "digest") == [{"recipient": m, "status": "sent"} for m in MODERATORS]

    # The rest of the day, and the next midnight with nothing new: no more mail.
    clock.set(utc(11, 18, 0))
    await nothing_more_arrives(smtpd, len(MODERATORS))
    clock.set(utc(12, 0, 0, 10))
    await nothing_more_arrives(smtpd, len(MODERATORS))
    assert len(await outbox(config, "digest")) == len(MODERATORS)


async def test_hourly_mode_sends_a_digest_on_the_hour_only_when_something_new_arrived(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, smtpd.port, database_url, "hourly")
    client = await aiohttp_client(create_app(config, clock=clock))
    await submit(client, body=numbered_body(1))
    clock.set(utc(10, 15, 59, 58))
    await nothing_more_arrives(smtpd, 0)

    clock.set(utc(10, 16, 0, 10))
    await smtpd.wait_for(2)
    assert [numbers_in(digest_to(smtpd.messages, m)) for m in MODERATORS] == [[1], [1]]
    assert str(smtpd.messages[0]["Subject"]) == "1 comment awaiting approval"

    clock.set(utc(10, 16, 40))
    await submit(client, body=numbered_body(2))
    clock.set(utc(10, 16, 59, 58))
    await nothing_more_arrives(smtpd, 2)

    clock.set(utc(10, 17, 0, 10))
    later = (await smtpd.wait_for(4))[2:]
    # Both still wait, oldest first: the new one is why this digest was sent.
    assert sorted((str(m["To"]), numbers_in(m)) for m in later) == [(m, [1, 2]) for m in MODERATORS]
    assert "2 comments wait for your approval:" in text_of(later[0])

    clock.set(utc(10, 18, 0, 10))  # nothing new since 17:00
    await nothing_more_arrives(smtpd, 4)


async def test_a_digest_names_every_hold_of_a_comment_above_it(
    tmp_path: Path,
    smtpd: SmtpSink,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, smtpd.port, f"sqlite:///{tmp_path}/comments.sqlite3", "hourly")
    client = await aiohttp_client(create_app(config, clock=clock))
    await client.app[store_key].comments.submit(held_comment(tuple(HOLDS)))
    await submit(client, body=numbered_body(1))

    clock.set(utc(10, 16, 0, 10))
    await smtpd.wait_for(len(MODERATORS))
    digest = digest_to(smtpd.messages, MODERATORS[0])
    line = f"Worth a closer look: {'; '.join(HOLDS.values())}."
    text = text_of(digest)
    part = digest.get_body(preferencelist=("html",))
    assert part is not None
    for shown in (text, html.unescape(str(part.get_content()))):
        assert shown.count("Worth a closer look") == 1  # the plain comment has none
        assert line in shown and shown.index(line) < shown.index(HELD_BODY) < shown.index(numbered_body(1))


async def test_nothing_pending_sends_nothing(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, smtpd.port, database_url, "hourly")
    client = await aiohttp_client(create_app(config, clock=clock))
    spam = await client.post("/api/comments", json=comment_data(homepage="http://bot.example"))
    assert spam.status == 202
    decided = await submit(client)
    token = client.app[signer_key].mint(decided, Action.REJECT, MODERATORS[0])
    assert (await client.post(f"/moderate/{token}")).status == 200

    clock.set(utc(10, 16, 0, 10))  # spam and a rejected comment: nothing waits
    await nothing_more_arrives(smtpd, 0)
    assert await outbox(config, "digest") == []

    # The task was awake all along: a comment that waits is in the next hour's digest.
    waiting = await submit(client, body=numbered_body(7))
    clock.set(utc(10, 17, 0, 10))
    await smtpd.wait_for(2)
    assert [numbers_in(digest_to(smtpd.messages, m)) for m in MODERATORS] == [[7], [7]]
    assert waiting != decided


async def test_digest_links_decide_and_are_logged_as_from_the_digest(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, smtpd.port, database_url, "daily")
    client = await aiohttp_client(create_app(config, clock=clock))
    first = await submit(client, name="Ada First", body=numbered_body(1))
    second = await submit(client, name="Bo Second", body=numbered_body(2))
    clock.set(utc(11, 0, 0, 10))
    await smtpd.wait_for(2)
    alice, bob = (digest_to(smtpd.messages, m) for m in MODERATORS)

    approve = link_paths(alice, "approve")[0]
    page = await client.get(approve)  # looking changes nothing
    assert page.status == 200 and "Ada First" in await page.text() and 'method="post"' in await page.text()
    assert (await client.post(approve)).status == 200
    assert (await client.post(link_paths(bob, "reject")[1])).status == 200

    assert await audit_channels(config, first) == [
        ("pending", "system", "submission"),
        ("approved", MODERATORS[0], "digest_link"),
    ]
    assert await audit_channels(config, second) == [
        ("pending", "system", "submission"),
        ("rejected", MODERATORS[1], "digest_link"),
    ]
    published = await (await client.get("/api/comments", params={"thread": comment_data()["thread"]})).json()
    assert [comment["name"] for comment in published["comments"]] == ["Ada First"]
    # Bob's approve link for the first one: already decided, and the page says by whom, from where.
    late = await client.post(link_paths(bob, "approve")[0])
    assert late.status == 200
    assert "from the digest" in await late.text() and MODERATORS[0] in await late.text()


async def test_a_comment_decided_before_its_digest_goes_out_is_shown_decided_without_links(
    tmp_path: Path,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()  # the mail server is down when the digest is written
    clock = Clock(utc(10, 15, 20))
    config = digest_config(tmp_path, port, f"sqlite:///{tmp_path}/comments.sqlite3", "daily")
    client = await aiohttp_client(create_app(config, clock=clock))
    decided = await submit(client, body=numbered_body(1))
    await submit(client, body=numbered_body(2))
    clock.set(utc(11, 0, 0, 10))
    await eventually(lambda: outbox(config, "digest"))
    token = client.app[signer_key].mint(decided, Action.APPROVE, MODERATORS[1])
    assert (await client.post(f"/moderate/{token}")).status == 200

    sink = SmtpSink(port)
    await sink.start()
    try:
        await sink.wait_for(2)
        digest = digest_to(sink.messages, MODERATORS[0])
    finally:
        await sink.stop()
    text = text_of(digest)
    assert numbers_in(digest) == [1, 2]
    assert text.count("Already approved since this email was written.") == 1
    assert len(link_paths(digest, "approve")) == 1  # the one that still waits
    assert str(digest["Subject"]) == "1 comment awaiting approval"


# --- several instances ------------------------------------------------------------------------


async def test_three_instances_on_one_postgresql_database_send_one_digest_per_moderator(
    tmp_path: Path,
    smtpd: SmtpSink,
    postgres_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the apps stop before their database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    # Quick heartbeats: a jump of the clock makes every sender look silent until its next beat
    # (they are compared across instances), and then two could claim one mail.
    config = digest_config(tmp_path, smtpd.port, postgres_url, "daily").replace(heartbeat=0.2)
    instances = [await aiohttp_client(create_app(config, clock=clock)) for _ in range(3)]
    for number, instance in enumerate(instances):
        await submit(instance, body=numbered_body(number))

    # Just before the digests are due: the senders beat again, then every instance's task sees
    # the time come within 50 ms of the others.
    clock.set(datetime.fromtimestamp(utc(11, 0).timestamp() + SETTLE - 1.5, UTC))
    await smtpd.wait_for(len(MODERATORS))
    await nothing_more_arrives(smtpd, len(MODERATORS))
    assert sorted(str(m["To"]) for m in smtpd.messages) == sorted(MODERATORS)
    assert all(numbers_in(m) == [0, 1, 2] for m in smtpd.messages)
    assert await outbox(config, "digest") == [{"recipient": m, "status": "sent"} for m in MODERATORS]


# --- immediate mode: the burst cap ------------------------------------------------------------


async def test_past_twenty_mails_in_an_hour_the_rest_come_in_one_digest_and_none_is_lost(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 10))
    config = digest_config(tmp_path, smtpd.port, database_url, "immediate")
    client = await aiohttp_client(create_app(config, clock=clock))
    ids = [await submit(client, body=numbered_body(number)) for number in range(25)]

    async def settled() -> bool:
        rows = await outbox(config, "new_comment")
        return len(rows) == 50 and all(row["status"] != "pending" for row in rows)

    await eventually(settled, timeout=20)
    await nothing_more_arrives(smtpd, 40)
    for moderator in MODERATORS:
        single = sorted(n for m in smtpd.messages if str(m["To"]) == moderator for n in numbers_in(m))
        assert single == list(range(20))
    rows = await outbox(config, "new_comment")
    assert sorted(str(row["recipient"]) for row in rows if row["status"] == "folded") == sorted(MODERATORS * 5)
    health = await (await client.get("/healthz")).json()
    assert (health["outbox"]["pending"], health["outbox"]["failed"]) == (0, 0)
    assert "moderation_mail_folded_total 10.0" in await (await client.get("/metrics")).text()

    clock.set(utc(10, 16, 0, 10))
    await smtpd.wait_for(42)
    await nothing_more_arrives(smtpd, 42)
    for moderator in MODERATORS:
        digest = digest_to(smtpd.messages, moderator)
        assert numbers_in(digest) == [20, 21, 22, 23, 24]
        assert len(link_paths(digest, "approve")) == 5
        assert str(digest["Subject"]) == "5 more comments awaiting approval, from a busy hour"
        assert "More than 20 comments arrived within an hour" in text_of(digest)
        # Every comment reached this moderator exactly once: alone, or in the digest.
        received = sorted(n for m in smtpd.messages if str(m["To"]) == moderator for n in numbers_in(m))
        assert received == list(range(25))
    # The digest's links decide, as the single mails' do.
    last = digest_to(smtpd.messages, MODERATORS[0])
    assert (await client.post(link_paths(last, "approve")[-1])).status == 200
    assert (await audit_channels(config, ids[-1]))[-1] == ("approved", MODERATORS[0], "digest_link")

    # A new hour: single mails again.
    await submit(client, body=numbered_body(25))
    await smtpd.wait_for(44)
    assert sorted(str(m["To"]) for m in smtpd.messages[42:]) == sorted(MODERATORS)
