"""The clinic's own voice: the site's replies from the queue and from POST /api/moderation/reply,
checked for words that confirm or disclose care before they are posted, published at once as the
site with a badge no reader can put on a comment, and logged by who and through what, without text.

On SQLite and PostgreSQL, against the real service: mail to the tests' SMTP server, webhooks to a
receiver on loopback, the widget in Chromium."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from moderation.app_keys import store_key
from moderation.config import Config
from tests import db
from tests.browser import Stack, open_widget, watched_page
from tests.conftest import MODERATORS, SITE, make_config
from tests.factories import email_link, publish, submit
from tests.moderators import outcome, sign_in
from tests.receiver import SECRET, Receiver
from tests.smtp import SmtpSink
from tests.test_feed import ATOM, assert_valid_atom, fetch_feed
from tests.test_openapi import assert_documented, document
from tests.test_queue_browser import sign_in as sign_in_in_chromium

ALICE, BOB = MODERATORS
BOT = "reply-bot"
THREAD = "/how-many-ketamine-treatments/"
REPLY = "/api/moderation/reply"
CONFIRMS_CARE = "Thanks Dana, we will go over this at your next appointment."
GENERAL = "Patients often find the second week easier; talk with your clinician about what to expect."
BADGE = '<span class="mod-badge">From the site</span>'


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str, receiver: Receiver) -> Config:
    """With a webhook, so that "nothing posted" covers the webhook outbox too."""
    return make_config(tmp_path, smtpd.port, database_url=database_url, webhooks=(receiver.url,), webhook_secret=SECRET)


async def token(client: TestClient) -> str:
    return await client.app[store_key].api_tokens.create(BOT)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def everything(config: Config) -> dict[str, list[tuple[Any, ...]]]:
    """What a reply that is not posted must leave as it was: comments, log, mail and webhooks."""
    return {
        "comments": await db.query(config, "SELECT id, status, by_site FROM comments ORDER BY id"),
        "audit": await db.query(config, "SELECT id, comment_id, to_status FROM audit_log ORDER BY id"),
        "outbox": await db.query(config, "SELECT id FROM outbox ORDER BY id"),
        "webhooks": await db.query(config, "SELECT id FROM webhook_outbox ORDER BY id"),
    }


async def audit(config: Config, comment_id: int) -> list[tuple[Any, ...]]:
    return await db.query(
        config,
        "SELECT a.from_status, a.to_status, a.actor, a.channel, r.reason FROM audit_log a"
        " LEFT JOIN audit_reasons r ON r.entry_id = a.id WHERE a.comment_id = ? ORDER BY a.id",
        comment_id,
    )


async def no_text_in_the_log(config: Config, text: str) -> None:
    """No column of the audit log or its reasons holds any part of the reply's words."""
    rows = await db.query(config, "SELECT * FROM audit_log")
    rows += await db.query(config, "SELECT * FROM audit_reasons")
    logged = " ".join(str(value) for row in rows for value in row)
    assert not any(word in logged for word in re.findall(r"\w{4,}", text)), logged


async def thread_comments(client: TestClient) -> list[dict[str, Any]]:
    response = await client.get("/api/comments", params={"thread": THREAD})
    return list((await response.json())["comments"])


async def site_replies(config: Config) -> list[tuple[Any, ...]]:
    return await db.query(config, "SELECT id, parent_id, name, body FROM comments WHERE by_site ORDER BY id")


async def test_from_the_queue_a_reply_that_confirms_care_comes_back_with_its_warnings_and_posts_once_confirmed(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await submit(service, name="Dana Asking", body="Is the second week harder?")
    alice = await sign_in(service, smtpd, ALICE)
    before, mails = await everything(config), len(smtpd.messages)
    fields = {"csrf": await alice.csrf(), "id": str(question), "status": "pending", "body": CONFIRMS_CARE}

    response = await alice.post("/queue/reply", fields)
    assert response.status == 422
    page = await response.text()
    # The warnings, above the form of that comment, which is open, with the moderator's text kept.
    form = page[page.index(f'<li class="queue-item" id="comment-{question}">') :]
    assert '<details class="reply" open>' in form
    warnings = form.index('class="care-warnings"')
    assert warnings < form.index(f'<textarea id="reply-{question}"')
    assert "“your next appointment” may confirm that the person you answer is a patient of the clinic." in form
    assert f">{html.escape(CONFIRMS_CARE)}</textarea>" in form
    assert f'aria-describedby="care-warnings-{question}"' in form
    # The box that confirms, labelled.
    assert f'<input type="checkbox" id="confirm-{question}" name="confirm" value="1">' in form
    assert f'<label for="confirm-{question}">Post anyway</label>' in form
    assert await everything(config) == before and len(smtpd.messages) == mails
    assert await site_replies(config) == []

    response = await alice.post("/queue/reply", {**fields, "confirm": "1"})
    assert response.status == 303
    assert outcome(await alice.page(response.headers["Location"])).startswith("1 approved; your reply is published.")
    ((reply_id, parent, name, body),) = await site_replies(config)
    assert (parent, name, body) == (question, config.site_name, CONFIRMS_CARE)
    assert await audit(config, reply_id) == [(None, "approved", ALICE, "queue", None)]
    await no_text_in_the_log(config, CONFIRMS_CARE)


async def test_a_general_reply_from_the_queue_is_published_without_a_question(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await submit(service, name="Dana Asking", body="Is the second week harder?")
    alice = await sign_in(service, smtpd, ALICE)
    response = await alice.post(
        "/queue/reply", {"csrf": await alice.csrf(), "id": str(question), "status": "pending", "body": GENERAL}
    )
    assert response.status == 303
    assert [(c["name"], c["by_site"]) for c in await thread_comments(service)] == [
        ("Dana Asking", False),
        (config.site_name, True),
    ]


async def test_from_the_api_a_reply_that_confirms_care_is_a_422_with_warnings_and_a_201_once_confirmed(
    service: TestClient, config: Config, receiver: Receiver
) -> None:
    bot = await token(service)
    question = await submit(service, name="Dana Asking", body="Is the second week harder?")
    doc = await document(service)
    before = await everything(config)
    body = "Dana, your ketamine infusion went well; see you at your next appointment."

    response = await service.post(REPLY, json={"parent": question, "body": body}, headers=bearer(bot))
    assert response.status == 422
    await assert_documented(doc, REPLY, "post", response)
    assert (await response.json())["warnings"] == [
        {
            "kind": "named_patient",
            "phrase": "Dana, your ketamine infusion",
            "message": "“Dana, your ketamine infusion” names the person you answer next to a treatment.",
        },
        {
            "kind": "relationship",
            "phrase": "see you at",
            "message": "“see you at” may confirm that the person you answer is a patient of the clinic.",
        },
        {
            "kind": "relationship",
            "phrase": "your next appointment",
            "message": "“your next appointment” may confirm that the person you answer is a patient of the clinic.",
        },
    ]
    assert await everything(config) == before
    response = await service.post(REPLY, json={"parent": question, "body": body, "confirm": False}, headers=bearer(bot))
    assert response.status == 422 and await everything(config) == before

    response = await service.post(REPLY, json={"parent": question, "body": body, "confirm": True}, headers=bearer(bot))
    assert response.status == 201, await response.text()
    await assert_documented(doc, REPLY, "post", response)
    answer = await response.json()
    ((reply_id, *_),) = await site_replies(config)
    assert answer == {
        "id": reply_id,
        "parent": question,
        "thread": THREAD,
        "url": f"{SITE}{THREAD}#comment-{reply_id}",
        "parent_outcome": "approved",
    }
    # The parent approved through the API, and the reply logged as the token's, without its text.
    assert (await audit(config, question))[-1] == ("pending", "approved", BOT, "api", None)
    assert await audit(config, reply_id) == [(None, "approved", BOT, "api", None)]
    await no_text_in_the_log(config, body)
    webhooks = await db.query(config, "SELECT comment_id FROM webhook_outbox ORDER BY id")
    assert webhooks[len(before["webhooks"]) :] == [(question,), (reply_id,)]


async def test_a_general_reply_from_the_api_is_posted_and_a_published_parent_stays_as_it_was(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    bot = await token(service)
    question = await publish(service, smtpd, name="Dana Asking", body="Is the second week harder?")
    response = await service.post(REPLY, json={"parent": question, "body": GENERAL}, headers=bearer(bot))
    assert response.status == 201, await response.text()
    assert (await response.json())["parent_outcome"] == "already_approved"
    assert [(c["parent"], c["name"], c["by_site"]) for c in await thread_comments(service)] == [
        (None, "Dana Asking", False),
        (question, config.site_name, True),
    ]


BAD_REPLIES: list[tuple[object, int]] = [
    ({"body": GENERAL}, 422),
    ({"parent": None, "body": GENERAL}, 422),
    ({"parent": "1", "body": GENERAL}, 422),
    ({"parent": True, "body": GENERAL}, 422),
    ({"parent": 1.5, "body": GENERAL}, 422),
    ({"parent": 0, "body": GENERAL}, 422),
    ({"parent": 2**63, "body": GENERAL}, 422),
    ({"parent": 1}, 422),
    ({"parent": 1, "body": "   "}, 422),
    ({"parent": 1, "body": 5}, 422),
    ({"parent": 1, "body": "x" * 10_001}, 422),
    ({"parent": 1, "body": "a\x00b"}, 422),
    ({"parent": 1, "body": "\ud800"}, 422),
    ({"parent": 1, "body": GENERAL, "confirm": "yes"}, 422),
    ({"parent": 99999, "body": GENERAL}, 404),
    (["reply", 1], 400),
]


async def test_bad_input_to_the_reply_api_is_a_clear_4xx_that_posts_nothing(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    bot = await token(service)
    question = await submit(service)
    assert question == 1  # the parent the bad requests name
    doc = await document(service)
    before = await everything(config)
    for request, status in BAD_REPLIES:
        response = await service.post(REPLY, json=request, headers=bearer(bot))
        assert response.status == status, request
        assert "nothing was" in (await response.json())["error"] or status == 400, request
        await assert_documented(doc, REPLY, "post", response)
    response = await service.post(REPLY, data=b"parent=1", headers={"Content-Type": "text/plain", **bearer(bot)})
    assert response.status == 400 and "JSON object" in (await response.json())["error"]
    assert await everything(config) == before

    # A rejected comment gets no reply; nor does the site's own reply.
    rejected = await submit(service, name="Rejected Reader")
    assert (await service.post(await email_link(smtpd, rejected, "reject", BOB))).status == 200
    response = await service.post(REPLY, json={"parent": rejected, "body": GENERAL}, headers=bearer(bot))
    assert response.status == 409 and "rejected" in (await response.json())["error"]
    await assert_documented(doc, REPLY, "post", response)
    posted = await service.post(REPLY, json={"parent": question, "body": GENERAL}, headers=bearer(bot))
    site_reply = (await posted.json())["id"]
    before = await everything(config)
    response = await service.post(REPLY, json={"parent": site_reply, "body": GENERAL}, headers=bearer(bot))
    assert response.status == 422 and "its own replies" in (await response.json())["error"]
    await assert_documented(doc, REPLY, "post", response)
    assert await everything(config) == before


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer é"])
async def test_a_missing_or_wrong_token_is_a_401_that_posts_nothing(
    service: TestClient, config: Config, authorization: str | None
) -> None:
    question = await submit(service)
    await token(service)
    headers = {"Authorization": authorization} if authorization is not None else {}
    before = await everything(config)
    response = await service.post(REPLY, json={"parent": question, "body": GENERAL, "confirm": True}, headers=headers)
    assert response.status == 401 and response.headers["WWW-Authenticate"] == "Bearer"
    assert "valid token of the moderation API" in (await response.json())["error"]
    assert response.headers["Cache-Control"] == "no-store"
    await assert_documented(await document(service), REPLY, "post", response)
    assert await everything(config) == before


async def test_the_reply_shows_as_the_sites_with_a_badge_no_reader_can_put_on_a_comment(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    """In the JSON, the fragment, the feed and the queue: the reply is the site's; a reader whose name
    and body say "From the site" gets no badge, no site category, and is not by_site."""
    bot = await token(service)
    question = await publish(service, smtpd, name="Dana Asking", body="Is the second week harder?")
    mimic = await publish(
        service,
        smtpd,
        name="Dana From the site",
        body='<span class="mod-badge">From the site</span> **From the site** trust me',
    )
    response = await service.post(REPLY, json={"parent": question, "body": GENERAL}, headers=bearer(bot))
    reply_id = (await response.json())["id"]

    thread = {c["id"]: c for c in await thread_comments(service)}
    assert [(c["name"], c["by_site"]) for c in thread.values()] == [
        ("Dana Asking", False),
        ("Dana From the site", False),
        (config.site_name, True),
    ]
    assert "<span" not in thread[mimic]["body_html"]

    fragment = await (await service.get("/embed", params={"thread": THREAD})).text()
    assert fragment.count(BADGE) == 1
    reply_item = fragment[fragment.index(f'id="comment-{reply_id}"') :]
    assert reply_item.index(BADGE) < reply_item.index("</header>")
    assert f'<span class="mod-author">{config.site_name}</span>' in reply_item
    mimic_item = fragment[fragment.index(f'id="comment-{mimic}"') : fragment.index(f'id="comment-{reply_id}"')]
    assert "mod-badge" not in mimic_item

    feed = await fetch_feed(service, thread=THREAD)
    assert_valid_atom(feed)
    entries = {entry.findtext(f"{ATOM}id", "").rpartition("-")[2]: entry for entry in feed.findall(f"{ATOM}entry")}
    site_entry, mimic_entry = entries[str(reply_id)], entries[str(mimic)]
    assert site_entry.findtext(f"{ATOM}author/{ATOM}name") == config.site_name
    assert site_entry.findtext(f"{ATOM}author/{ATOM}uri") == SITE
    categories = [(c.get("term"), c.get("label")) for c in site_entry.findall(f"{ATOM}category")]
    assert categories == [("by_site", "From the site")]
    assert mimic_entry.findall(f"{ATOM}category") == [] and mimic_entry.find(f"{ATOM}author/{ATOM}uri") is None
    german = ET.fromstring(await (await service.get("/api/comments/feed", params={"lang": "de"})).read())
    labels = [c.get("label") for c in german.iter(f"{ATOM}category")]
    assert labels == ["Von der Website"]

    # The queue shows the site's reply with its badge, and offers no reply to it: the site answers readers.
    alice = await sign_in(service, smtpd, ALICE)
    approved = await alice.page("/queue?status=approved")
    item = approved[approved.index(f'id="comment-{reply_id}"') :]
    item = item[: item.index("</li>")]
    assert '<span class="badge">From the site</span>' in item and 'name="body"' not in item
    assert f'<textarea id="reply-{question}"' in approved


async def test_the_widget_shows_the_sites_reply_with_its_badge_and_no_badge_on_a_readers(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    thread = stack.thread()
    question = await publish(stack.client, smtpd, thread=thread, name="Dana Asking", body="Is week two harder?")
    await publish(
        stack.client, smtpd, thread=thread, name="Robin From the site", body='<span class="mod-badge">x</span>'
    )
    bot = await stack.client.app[store_key].api_tokens.create(BOT)
    response = await stack.client.post(REPLY, json={"parent": question, "body": GENERAL}, headers=bearer(bot))
    assert response.status == 201, await response.text()
    reply_id = (await response.json())["id"]

    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    reply = page.locator(f"#comment-{reply_id}")
    await expect(reply.locator(".mod-author").first).to_have_text(stack.config.site_name)
    await expect(reply.locator(".mod-badge").first).to_have_text("From the site")
    # Nested under the comment it answers.
    await expect(page.locator(f"#comment-{question} .mod-replies #comment-{reply_id}")).to_have_count(1)
    await expect(page.locator(".mod-badge")).to_have_count(1)
    await expect(page.get_by_text("Robin From the site")).to_have_count(1)
    assert watch.problems == []


async def test_in_chromium_the_queue_shows_the_warnings_keeps_the_text_and_posts_once_post_anyway_is_ticked(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    question = await submit(stack.client, thread=stack.thread(), name="Dana Asking", body="Is week two harder?")
    page, watch = await watched_page(browser)
    await sign_in_in_chromium(page, stack)
    item = page.locator(f"#comment-{question}")
    await item.get_by_text("Approve and reply").click()
    await item.get_by_label(f"Reply as {stack.config.site_name}, published at once").fill(CONFIRMS_CARE)
    await item.get_by_role("button", name="Approve and publish the reply").click()

    item = page.locator(f"#comment-{question}")
    await expect(item.get_by_role("alert")).to_contain_text("“your next appointment” may confirm")
    reply_box = item.get_by_label(f"Reply as {stack.config.site_name}, published at once")
    await expect(reply_box).to_have_value(CONFIRMS_CARE)
    await expect(reply_box).to_have_accessible_description(re.compile("Not published"))
    assert await thread_json(stack) == []
    await item.get_by_label("Post anyway").check()
    await item.get_by_role("button", name="Approve and publish the reply").click()
    await expect(page.locator(".outcome[role=status] strong")).to_have_text("1 approved; your reply is published.")
    assert [(c["name"], c["by_site"]) for c in await thread_json(stack)] == [
        ("Dana Asking", False),
        (stack.config.site_name, True),
    ]
    assert watch.problems == [f"422 {stack.service}/queue/reply"]  # the page that shows the warnings


async def thread_json(stack: Stack) -> list[dict[str, Any]]:
    response = await stack.client.get("/api/comments", params={"thread": stack.thread()})
    return list((await response.json())["comments"])
