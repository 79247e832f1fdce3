"""Closed threads: by age (MODERATION_CLOSE_AFTER_DAYS) or by hand; read as before, posted to never."""

from __future__ import annotations

import asyncio
import html
import re
import subprocess
import time
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.app_keys import store_key
from moderation.config import Config
from moderation.errors import ThreadClosed
from moderation.models import ByHand, CommentStatus, NewComment, ThreadState
from moderation.store import open_store
from tests.conftest import SITE, make_config
from tests.db import records
from tests.factories import comment_data, decide, publish, submit
from tests.moderators import Clock, sign_in
from tests.readers import OTHER, READER, confirmed, form_data, wait_for_mails_to
from tests.smtp import SmtpSink, text_of
from tests.transfer_run import command_env, run

THREAD = comment_data()["thread"]
DAYS = 30
DAY = 86400.0
CLOSED = {"error": "Comments are closed on this page."}


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> Config:
    return make_config(tmp_path, smtpd.port, database_url=database_url, close_after_days=DAYS)


async def listing(client: TestClient, thread: str = THREAD, **headers: str) -> ClientResponse:
    return await client.get("/api/comments", params={"thread": thread}, headers=headers)


async def close(client: TestClient, thread: str = THREAD) -> None:
    await client.app[store_key].threads.set_by_hand(thread, ByHand.CLOSED)


async def waiting(client: TestClient) -> int:
    return (await client.app[store_key].comments.count_by_status([CommentStatus.PENDING]))[CommentStatus.PENDING]


async def test_a_thread_closes_its_days_after_its_first_comment_and_no_304_hides_it(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    first = await submit(service, body="The first comment, never published: the thread's age counts from it.")
    clock.advance(10 * DAY)
    await publish(service, smtpd, body="Published ten days later.")
    response = await listing(service)
    body = await response.json()
    assert (body["count"], body["closed"]) == (1, False)
    etag = response.headers["ETag"]

    clock.advance((DAYS - 10) * DAY - 60)  # a minute before the thread is 30 days old: nothing new
    assert (await listing(service, **{"If-None-Match": etag})).status == 304
    assert (await service.post("/api/comments", json=comment_data(body="Just in time."))).status == 202

    clock.advance(120)  # nothing written since: the thread closed by its age alone
    response = await listing(service, **{"If-None-Match": etag})
    assert response.status == 200
    body = await response.json()
    assert (body["count"], body["closed"]) == (1, True)
    assert response.headers["ETag"] != etag
    assert (await listing(service, **{"If-None-Match": response.headers["ETag"]})).status == 304

    before = await waiting(service)
    refused = await service.post("/api/comments", json=comment_data(body="Too late."))
    assert (refused.status, await refused.json()) == (403, CLOSED)
    assert await waiting(service) == before  # nothing stored

    # What waits on a closed thread can still be published, from the queue.
    moderator = await sign_in(service, smtpd)
    await moderator.decide("approve", [first])
    body = await (await listing(service)).json()
    assert (body["count"], body["closed"]) == (2, True)
    assert first in [comment["id"] for comment in body["comments"]]


async def test_without_the_setting_a_thread_never_closes_by_age(tmp_path, smtpd, database_url, clock, aiohttp_client):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, smtpd.port, database_url=database_url)
    client = await aiohttp_client(create_app(config, clock=clock))
    await publish(client, smtpd)
    clock.advance(3650 * DAY)
    assert (await (await listing(client)).json())["closed"] is False
    assert (await client.post("/api/comments", json=comment_data())).status == 202


async def test_a_form_post_to_a_closed_thread_gets_a_page_that_says_so_and_links_back(
    client: TestClient, smtpd: SmtpSink
) -> None:
    await publish(client, smtpd)
    await close(client)
    before = await waiting(client)

    back = f"{SITE}/2026/how-many-treatments/?utm=mail"
    response = await client.post("/api/comments", data=form_data(return_to=back), allow_redirects=False)
    assert response.status == 403
    assert response.content_type == "text/html"
    page = await response.text()
    assert "Comments are closed on this page." in page
    assert f'href="{html.escape(back)}"' in page

    # A return_to on no allowed origin is never followed: the link goes to the thread's page.
    response = await client.post(
        "/api/comments", data=form_data(return_to="https://elsewhere.example/x"), allow_redirects=False
    )
    assert response.status == 403
    page = await response.text()
    assert "Comments are closed on this page." in page
    assert f'href="{SITE}{THREAD}"' in page and "elsewhere.example" not in page
    assert "Traceback" not in page
    assert await waiting(client) == before


async def test_the_fragment_and_the_demo_page_show_the_comments_and_no_form_on_a_closed_thread(
    client: TestClient, smtpd: SmtpSink
) -> None:
    await publish(client, smtpd, name="Ana Published")
    open_page = await (await client.get("/embed", params={"thread": THREAD})).text()
    assert '<form class="mod-form"' in open_page and "Comments are closed." not in open_page

    await close(client)
    page = await (await client.get("/embed", params={"thread": THREAD})).text()
    assert "Ana Published" in page
    assert '<p class="mod-closed">Comments are closed.</p>' in page
    assert "<form" not in page and "Leave a Reply" not in page

    await close(client, "/")  # the demo article's thread
    article = await (await client.get("/")).text()
    assert "Comments are closed." in article and "<form" not in article


async def test_a_subscriber_still_hears_of_a_reply_approved_after_the_thread_closed(
    service: TestClient, smtpd: SmtpSink
) -> None:
    question = await confirmed(service, smtpd, body="Can I drive home after a session?")
    reply = await submit(service, email=OTHER, name="Sam Other", parent=question, body="No: take a taxi.")
    await close(service)
    refused = await service.post("/api/comments", json=comment_data(email=OTHER, parent=question))
    assert (refused.status, await refused.json()) == (403, CLOSED)

    await decide(service, smtpd, reply, "approve")  # from the moderator's emailed link
    (mail,) = (await wait_for_mails_to(smtpd, READER, 2))[1:]
    assert "from Sam Other:" in text_of(mail) and "No: take a taxi." in text_of(mail)
    assert str(mail["List-Unsubscribe"])
    body = await (await listing(service)).json()
    assert body["closed"] is True and [c["id"] for c in body["comments"]] == [question, reply]


async def old_comment(config: Config, thread: str, days_ago: float) -> None:
    """A comment that arrived `days_ago`, written as the service wrote it then."""
    then = await open_store(config, links=service_links(config), clock=lambda: time.time() - days_ago * DAY)
    try:
        await then.migrate()
        await then.comments.submit(
            NewComment(thread, "Old page", "Old Reader", "old@example.com", "", "Hello", "<p>Hello</p>", "a")
        )
    finally:
        await then.close()


async def threads(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`moderation threads ...` as an operator runs it, while the service goes on serving: a
    blocked event loop would keep the service's transaction in flight, and the database locked."""
    return await asyncio.to_thread(run, env, cwd, "threads", *args)


async def test_threads_close_and_open_from_the_command_line(client: TestClient, config: Config, tmp_path: Path) -> None:
    env = command_env(tmp_path, config.database_url) | {"MODERATION_CLOSE_AFTER_DAYS": str(DAYS)}
    await old_comment(config, "/old/", days_ago=DAYS + 10)
    assert (await (await listing(client, "/old/")).json())["closed"] is True

    opened = await threads(env, tmp_path, "open", "/old/")
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.splitlines() == [
        "re-opened /old/: it takes new comments again, and stays open whatever its age"
    ]
    assert (await (await listing(client, "/old/")).json())["closed"] is False
    assert (await client.post("/api/comments", json=comment_data(thread="/old/"))).status == 202

    closed = await threads(env, tmp_path, "close", "/old/")
    assert closed.returncode == 0, closed.stderr
    assert closed.stdout.splitlines() == [
        "closed /old/: it takes no new comments until `moderation threads open /old/`"
    ]
    assert (await (await listing(client, "/old/")).json())["closed"] is True
    refused = await client.post("/api/comments", json=comment_data(thread="/old/"))
    assert (refused.status, await refused.json()) == (403, CLOSED)
    again = await threads(env, tmp_path, "close", "/old/")
    assert again.stdout.startswith("/old/ was closed already")

    # A page with no comment yet can be closed ahead, and stays closed when the first one is tried.
    ahead = await threads(env, tmp_path, "close", "/not-yet/")
    assert ahead.returncode == 0, ahead.stderr
    assert ahead.stdout.splitlines() == [
        "closed /not-yet/ (ahead: it has no comment yet): it takes no new comments until"
        " `moderation threads open /not-yet/`"
    ]
    assert (await client.post("/api/comments", json=comment_data(thread="/not-yet/"))).status == 403
    assert await (await listing(client, "/not-yet/")).json() == {
        "thread": "/not-yet/",
        "count": 0,
        "closed": True,
        "comments": [],
        "lang": "en",
        "count_text": "0 comments",
    }
    fresh = await threads(env, tmp_path, "open", "/not-yet/")
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.splitlines() == [
        "re-opened /not-yet/: it takes new comments again, and stays open whatever its age"
    ]
    assert (await client.post("/api/comments", json=comment_data(thread="/not-yet/"))).status == 202

    unopened = await threads(env, tmp_path, "open", "/never-closed/")
    assert unopened.stdout.splitlines() == [
        "opened /never-closed/: it takes new comments, and stays open whatever its age"
    ]


@pytest.mark.parametrize("key", ["no-slash", "/" + "x" * 512])
def test_threads_refuses_what_is_not_a_pages_path_in_one_line(tmp_path: Path, key: str) -> None:
    env = command_env(tmp_path, f"sqlite:///{tmp_path}/comments.sqlite3")
    result = run(env, tmp_path, "threads", "close", key)
    assert result.returncode == 2
    assert re.search(r"is not a page's path like /how-many-treatments/$", result.stderr.strip())
    assert "Traceback" not in result.stderr


def test_a_word_by_hand_wins_over_the_age_and_the_age_counts_to_the_second() -> None:
    first = 1_000_000.0
    closes = first + DAYS * DAY
    by_age = ThreadState(version=1, first_comment_at=first)
    assert (by_age.closed(closes - 1, DAYS), by_age.closed(closes, DAYS)) == (False, True)
    assert not by_age.closed(closes + 3650 * DAY, None)  # without the setting, never
    assert not ThreadState().closed(closes, DAYS)  # no comment yet: no age
    reopened = ThreadState(version=1, first_comment_at=first, by_hand=ByHand.OPEN)
    assert not reopened.closed(closes + 3650 * DAY, DAYS)  # stays open for good
    assert ThreadState(by_hand=ByHand.CLOSED).closed(0.0, None)  # closed ahead, with no setting


async def test_a_thread_closed_by_hand_after_a_comment_was_checked_still_refuses_it(
    client: TestClient, config: Config
) -> None:
    """Whether the thread is open is asked in the writer's transaction, so a comment checked while
    it was open and written after it closed is refused, and nothing of it is kept."""
    store = client.app[store_key]
    thread = "/closing-now/"
    await submit(client, thread=thread)  # the thread has its row, open
    checked = NewComment(
        thread, "A page", "Late Reader", "late@example.com", "", "Just in time?", "<p>Just in time?</p>", "a"
    )
    await store.threads.set_by_hand(thread, ByHand.CLOSED)
    with pytest.raises(ThreadClosed):
        await store.comments.submit(checked)
    refused = await client.post("/api/comments", json=comment_data(thread=thread))
    assert refused.status == 403 and "closed" in (await refused.json())["error"]
    assert [
        row["name"] for row in await records(config, "SELECT name FROM comments WHERE name = ?", "Late Reader")
    ] == []
