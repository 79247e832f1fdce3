"""A page's title is the site's: set by the first approved comment or the operator, never by a
submission. Moderators see what a commenter sent as the title; readers never do."""

from __future__ import annotations

import asyncio
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.models import CommentStatus
from moderation.store import Store, open_store
from moderation.store.imports import ImportedComment
from tests.conftest import MODERATORS, make_config
from tests.factories import comment_data, decide, publish, submit
from tests.moderators import queue_rows, sign_in
from tests.readers import OTHER, READER, wait_for_mails_to
from tests.receiver import SECRET, Receiver
from tests.smtp import SmtpSink, mails_for, text_of
from tests.test_digests import Clock, digest_config, digest_to, utc
from tests.test_feed import ATOM, fetch_feed
from tests.test_ids import database_before
from tests.transfer_run import command_env, run
from tests.waiting import eventually

THREAD = comment_data()["thread"]
URGENT = "URGENT: your account is suspended, verify at https://evil.example/verify"
GOOD = "How many ketamine treatments does depression take?"
GIVEN = "Title given by the commenter: "


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str, receiver: Receiver) -> Config:
    return make_config(tmp_path, smtpd.port, database_url=database_url, webhooks=(receiver.url,), webhook_secret=SECRET)


async def feed_title(client: TestClient, thread: str = THREAD) -> str:
    return (await fetch_feed(client, thread=thread)).findtext(f"{ATOM}title", "")


def subject(message: EmailMessage) -> str:
    return " ".join(str(message["Subject"]).split())  # a long one comes folded


def parts(message: EmailMessage) -> str:
    """The subject and both parts of a mail, as one text."""
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    return f"{message['Subject']}\n{text_of(message)}\n{html.get_content()}"


async def moderator_mail(smtpd: SmtpSink, comment_id: int) -> EmailMessage:
    mails = await eventually(lambda: mails_for(smtpd.messages, comment_id), timeout=15.0)
    return mails[0]


async def test_no_submission_changes_the_title_readers_see_and_the_first_approval_sets_it(
    service: TestClient, smtpd: SmtpSink, receiver: Receiver
) -> None:
    bot = await submit(service, title=URGENT, name="Account Team", email="bot@spam.example", body="Verify now.")
    mail = await moderator_mail(smtpd, bot)
    # Until the page has a title, mail names its path; the moderator sees what the bot sent.
    assert subject(mail) == f"New comment awaiting approval: {THREAD}"
    assert f"{GIVEN}{URGENT}" in text_of(mail)
    assert await feed_title(service) == f"Comments on {THREAD}"

    first = await submit(service, title=GOOD, email=READER, notify=True)
    await decide(service, smtpd, first)
    (published,) = await wait_for_mails_to(smtpd, READER, 1)
    assert subject(published) == f"Your comment is published: {GOOD}"
    assert await feed_title(service) == f"Comments on {GOOD}"

    again = await submit(service, title=URGENT, name="Account Team", email="bot@spam.example", body="Verify again.")
    mail = await moderator_mail(smtpd, again)
    assert subject(mail) == f"New comment awaiting approval: {GOOD}"
    assert f"{GIVEN}{URGENT}" in text_of(mail)
    later = await submit(service, title="A later title", name="Sam Other", email=OTHER, notify=True)
    await decide(service, smtpd, later)
    (other,) = await wait_for_mails_to(smtpd, OTHER, 1)
    assert subject(other) == f"Your comment is published: {GOOD}"

    feed = await fetch_feed(service, thread=THREAD)
    assert feed.findtext(f"{ATOM}title") == f"Comments on {GOOD}"
    entries = [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")]
    assert entries == [f"Sam Other on {GOOD}", f"Dana Reader on {GOOD}"]
    latest = await fetch_feed(service)
    assert {entry.findtext(f"{ATOM}title") for entry in latest.findall(f"{ATOM}entry")} == {
        f"Sam Other on {GOOD}",
        f"Dana Reader on {GOOD}",
    }
    for reader_mail in (published, other):
        assert "evil.example" not in parts(reader_mail) and "A later title" not in parts(reader_mail)

    await eventually(lambda: len(receiver.delivered) == 6)
    titles = {(t.json["event"], t.json["id"]): t.json["title"] for t in receiver.delivered}
    assert titles == {
        ("comment.pending", bot): "",
        ("comment.pending", first): "",
        ("comment.approved", first): GOOD,
        ("comment.pending", again): GOOD,
        ("comment.pending", later): GOOD,
        ("comment.approved", later): GOOD,
    }

    alice = await sign_in(service, smtpd)
    rows = queue_rows(await alice.page())
    assert f"{GIVEN}{URGENT}" in rows[bot] and f"{GIVEN}{URGENT}" in rows[again]
    assert GIVEN not in rows.get(first, "")


async def threads(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`moderation threads ...` while the service goes on serving (its loop must not block)."""
    return await asyncio.to_thread(run, env, cwd, "threads", *args)


async def test_threads_title_sets_it_by_hand_even_before_a_comment_and_approvals_keep_it(
    service: TestClient, smtpd: SmtpSink, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    page = "/a-page-without-comments/"
    result = await threads(env, tmp_path, "title", page, "Ketamine, explained")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f'set the title of {page} to "Ketamine, explained": approved comments do not change it'
    ]
    first = await publish(service, smtpd, thread=page, title="What the first commenter sent")
    assert await feed_title(service, page) == "Comments on Ketamine, explained"
    assert subject(await moderator_mail(smtpd, first)) == "New comment awaiting approval: Ketamine, explained"

    result = await threads(env, tmp_path, "title", page, "")
    assert result.stdout.splitlines() == [
        f'cleared the title of {page} (it was "Ketamine, explained"):'
        " mail shows its path until an approved comment gives it one"
    ]
    assert await feed_title(service, page) == f"Comments on {page}"
    await publish(service, smtpd, thread=page, title="  The next approved   one\ngives it  ")
    assert await feed_title(service, page) == "Comments on The next approved one gives it"

    wrong = await threads(env, tmp_path, "close", page, "A title")
    assert wrong.returncode == 2 and "threads title KEY TEXT" in wrong.stderr
    assert (await threads(env, tmp_path, "title", page)).returncode == 2


def imported(source_id: str, status: CommentStatus, title: str, created: float) -> ImportedComment:
    return ImportedComment(
        source_id=source_id,
        thread="/imported/",
        title=title,
        parent=None,
        name="Imported Reader",
        email="",
        website="",
        avatar="",
        body=f"Imported {source_id}.",
        body_html=f"<p>Imported {source_id}.</p>",
        status=status,
        created=created,
        decided=created if status is CommentStatus.APPROVED else None,
    )


async def test_an_import_titles_a_page_by_its_approved_comments_only(store: Store) -> None:
    await store.imports.import_comments("jsonl", [imported("1", CommentStatus.PENDING, URGENT, 1.0)])
    assert (await store.threads.approved("/imported/")).title == ""
    await store.imports.import_comments(
        "jsonl",
        [
            imported("2", CommentStatus.SPAM, URGENT, 2.0),
            imported("3", CommentStatus.APPROVED, "The page's own title", 3.0),
            imported("4", CommentStatus.APPROVED, "Another title", 4.0),
        ],
    )
    assert (await store.threads.approved("/imported/")).title == "The page's own title"


async def test_the_digest_shows_the_title_each_commenter_sent(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    client = await aiohttp_client(create_app(digest_config(tmp_path, smtpd.port, database_url, "hourly"), clock=clock))
    await submit(client, title=URGENT)
    clock.set(utc(10, 16, 0, 10))
    await smtpd.wait_for(2)
    digest = digest_to(smtpd.messages, MODERATORS[0])
    assert f"   {GIVEN}{URGENT}" in text_of(digest).splitlines()
    assert f"{GIVEN}{URGENT}" in parts(digest)
    assert subject(digest) == "1 comment awaiting approval"


async def test_an_upgrade_forgets_the_titles_no_approved_comment_gave(config: Config) -> None:
    await database_before(
        config,
        "0017",
        [
            "INSERT INTO threads (key, title, approved) VALUES ('/published/', 'A page with a comment', 1),"
            f" ('/spammed/', '{URGENT}', 0)",
            "INSERT INTO comments (thread_id, status, name, email, avatar, body, body_html, created_at) VALUES"
            " (1, 'approved', 'One', '', 'a', 'b', '<p>b</p>', 1), (2, 'spam', 'Bot', '', 'a', 'v', '<p>v</p>', 2)",
        ],
    )
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        assert "0017_submitted_titles.sql" in await store.migrate()
        assert (await store.threads.approved("/published/")).title == "A page with a comment"
        assert (await store.threads.approved("/spammed/")).title == ""
        assert [c.submitted_title for c in (await store.threads.approved("/published/")).comments] == [""]
    finally:
        await store.close()
