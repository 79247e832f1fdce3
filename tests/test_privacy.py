"""The address stays private: never published, never logged, erased when no longer needed."""

from __future__ import annotations

import base64
import hashlib
import logging
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import service_links
from moderation.config import ROOT, Config
from moderation.models import Action, Channel, NewComment
from moderation.store import open_store
from tests.factories import publish, submit
from tests.smtp import SmtpSink, mails_for

CANARY = "Canary.Birdsong-7f3a@example.com"
THREAD = "/how-many-ketamine-treatments/"


def disguises(address: str) -> list[str]:
    """The address as it might leak: plain, encoded, or hashed the usual unkeyed ways."""
    forms = {address, address.lower(), address.upper()}
    leaks = set(forms)
    for form in forms:
        raw = form.encode()
        leaks |= {
            quote(form),
            quote(form, safe=""),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("="),
            hashlib.md5(raw).hexdigest(),
            hashlib.sha1(raw).hexdigest(),
            hashlib.sha256(raw).hexdigest(),
        }
    leaks.add(address.split("@")[0].lower())
    return sorted(leaks)


def assert_no_leak(where: str, text: str) -> None:
    lowered = text.lower()
    for leak in disguises(CANARY):
        assert leak.lower() not in lowered, f"{where} carries {leak!r}"


async def test_a_canary_address_appears_in_no_public_answer_and_no_info_log(
    client: TestClient, smtpd: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    parent = await publish(client, smtpd, thread=THREAD, email=CANARY, website="https://bird.example")
    await publish(client, smtpd, thread=THREAD, email=CANARY, parent=parent)
    await submit(client, thread=THREAD, email=CANARY)  # one still pending
    response = await client.post("/api/comments", json={"thread": THREAD, "name": "X", "email": CANARY, "body": "x y"})
    assert_no_leak("the 202 answer", await response.text() + str(dict(response.headers)))

    comments = await (await client.get("/api/comments", params={"thread": THREAD})).json()
    avatar = comments["comments"][0]["avatar"]
    paths = [
        f"/api/comments?thread={THREAD}",
        f"/api/comments/counts?thread={THREAD}",
        f"/api/comments/feed?thread={THREAD}",
        "/api/comments/feed",
        f"/embed?thread={THREAD}",
        "/",
        f"/avatar/{avatar}.svg",
        "/healthz",
        "/metrics",
        "/api/comments/form",
        "/nothing-here",
    ]
    for path in paths:
        answer = await client.get(path)
        assert answer.status < 500, path
        assert_no_leak(path, await answer.text() + str(dict(answer.headers)))

    service_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert service_lines, "the service logged nothing at all: the scan would prove nothing"
    assert_no_leak("the log", "\n".join(service_lines))


async def test_moderation_tokens_carry_no_address(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client, email=CANARY)
    for mail in mails_for(await smtpd.wait_for(2), comment_id):
        links = [line for line in mail.get_body(("plain",)).get_content().splitlines() if "/moderate/" in line]
        assert len(links) == 2
        for line in links:
            token = line.rsplit("/", 1)[1]
            decoded = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode(errors="replace")
            assert_no_leak("a moderation token", token + decoded)
            assert str(mail["To"]).lower() not in decoded.lower()


def new_comment(email: str, body: str, thread: str = THREAD, parent: int | None = None) -> NewComment:
    return NewComment(
        thread=thread,
        title="",
        name="Someone",
        email=email,
        website="",
        body=body,
        body_html=f"<p>{body}</p>",
        avatar="0" * 32,
        parent=parent,
    )


async def test_purge_erases_addresses_of_old_rejected_and_spam_comments_only(config: Config) -> None:
    now = [1_000_000_000.0]
    store = await open_store(config, links=service_links(config), clock=lambda: now[0])
    try:
        await store.migrate()
        old_rejected = (await store.comments.submit(new_comment("old.rejected@example.com", "a"))).id
        old_approved = (await store.comments.submit(new_comment("old.approved@example.com", "b"))).id
        await store.comments.decide([old_rejected], Action.REJECT, actor="mod@example.com", channel=Channel.QUEUE)
        await store.comments.decide([old_approved], Action.APPROVE, actor="mod@example.com", channel=Channel.QUEUE)
        now[0] += 40 * 86400
        recent_rejected = (await store.comments.submit(new_comment("recent@example.com", "c"))).id
        await store.comments.decide([recent_rejected], Action.REJECT, actor="mod@example.com", channel=Channel.QUEUE)

        erased = await store.comments.purge_addresses(before=now[0] - 30 * 86400)

        assert erased == 1
        assert (await store.comments.get(old_rejected)).email == ""  # type: ignore[union-attr]
        assert (await store.comments.get(old_approved)).email == "old.approved@example.com"  # type: ignore[union-attr]
        assert (await store.comments.get(recent_rejected)).email == "recent@example.com"  # type: ignore[union-attr]
        assert await store.comments.purge_addresses(before=now[0] - 30 * 86400) == 0
    finally:
        await store.close()


async def test_forget_removes_one_persons_comments_and_mail_and_reports_it(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    theirs = await publish(client, smtpd, email=CANARY, body="My own story.")
    reply = await publish(client, smtpd, email="someone.else@example.com", parent=theirs, body="Thanks for sharing.")
    pending = await submit(client, email=CANARY.upper(), body="Another thought.")
    before = await client.get("/api/comments", params={"thread": THREAD})

    store = await open_store(config, links=service_links(config), clock=lambda: 2_000_000_000.0)
    try:
        gone = await store.comments.forget(CANARY)
        assert (gone.comments, gone.published) == (2, 1)
        assert gone.notifications == 4  # two moderators, two comments
        assert await store.comments.get(theirs) is None and await store.comments.get(pending) is None
        kept = await store.comments.get(reply)
        assert kept is not None and kept.parent is None
        assert (await store.comments.forget(CANARY)).comments == 0
    finally:
        await store.close()

    after = await client.get("/api/comments", params={"thread": THREAD})
    body = await after.json()
    assert [c["id"] for c in body["comments"]] == [reply]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert await (await client.get("/api/comments/counts", params={"thread": THREAD})).json() == {THREAD: 1}
    assert mails_for(smtpd.messages, theirs)  # mail already delivered is out of our hands; the outbox rows went


def run_cli(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moderation", *args],
        env={"MODERATION_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


async def test_purge_and_forget_commands_say_what_they_did(tmp_path: Path) -> None:
    database = tmp_path / "comments.sqlite3"
    config = Config(database_url=f"sqlite:///{database}", moderators=("mod@example.com",))
    store = await open_store(config, lambda: 1_000_000.0, service_links(config))
    try:
        await store.migrate()
        await store.comments.submit(new_comment(CANARY, "hello"))
    finally:
        await store.close()

    purged = run_cli("purge", database=database)
    assert purged.returncode == 0, purged.stderr
    assert "erased the addresses of 0 rejected or spam comments" in purged.stdout

    forgotten = run_cli("forget", CANARY, database=database)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "removed 1 comments (0 of them published) and 1 moderator emails" in forgotten.stdout
