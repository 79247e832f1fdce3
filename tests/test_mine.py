"""My comment: the writer's private link withdraws or edits a waiting comment, deletes a published
one; moderators' links then say so and change nothing; every answer forgets what was deleted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from moderation.config import Config
from moderation.models import Channel, CommentStatus
from moderation.store import Store
from tests.browser import Stack, open_widget, watched_page
from tests.conftest import MODERATORS, PUBLIC_URL, SITE, make_config
from tests.factories import comment_data, decide, email_link, publish
from tests.moderators import Clock, sign_in
from tests.readers import READER, line_url, mails_to, wait_for_mails_to
from tests.receiver import SECRET, Receiver
from tests.smtp import SmtpSink, mails_for, text_of
from tests.test_openapi import assert_documented, document
from tests.test_structured_data import by_id, json_ld
from tests.waiting import eventually

THREAD = "/how-many-ketamine-treatments/"
MINE = re.compile(re.escape(PUBLIC_URL) + r"(/mine/[\w-]{32})")


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str, receiver: Receiver) -> Config:
    return make_config(
        tmp_path,
        smtpd.port,
        database_url=database_url,
        webhooks=(receiver.url,),
        webhook_secret=SECRET,
        spam_words=("casino",),
        hold_words=("dosage",),
    )


async def submitted(client: TestClient, **overrides: Any) -> tuple[int, str]:
    """A comment sent as JSON: its id, and the path of its private link from the 202."""
    response = await client.post("/api/comments", json=comment_data(**overrides))
    assert response.status == 202, await response.text()
    answer = await response.json()
    found = MINE.fullmatch(answer["manage"])
    assert found, answer["manage"]
    return int(answer["id"]), found.group(1)


async def published(client: TestClient, smtpd: SmtpSink, **overrides: Any) -> tuple[int, str]:
    comment_id, path = await submitted(client, **overrides)
    await decide(client, smtpd, comment_id, "approve")
    return comment_id, path


async def row(store: Store, comment_id: int) -> tuple[str, str, str, str]:
    """What the database holds of a comment: its state, name, address and text."""
    comment = await store.comments.get(comment_id)
    assert comment is not None
    return comment.status.value, comment.name, comment.email, comment.body


async def page_text(client: TestClient, path: str, status: int = 200) -> str:
    response = await client.get(path)
    assert response.status == status, await response.text()
    return await response.text()


async def test_a_look_shows_the_comment_and_its_forms_changes_nothing_and_keeps_the_link_to_itself(
    client: TestClient, store: Store
) -> None:
    comment_id, path = await submitted(client, body="When does the *second* session start?")
    for _ in range(2):  # mail scanners open links
        response = await client.get(path)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "noindex" in response.headers["X-Robots-Tag"]
        text = await response.text()
        assert "When does the <em>second</em> session start?" in text
        assert "awaits moderation" in text
        assert 'value="withdraw"' in text and 'value="edit"' in text and 'value="delete"' not in text
    assert await row(store, comment_id) == ("pending", "Dana Reader", READER, "When does the *second* session start?")


async def test_a_form_post_lands_on_pages_that_show_the_private_link_but_its_address_never_carries_it(
    client: TestClient, config: Config
) -> None:
    for return_to in (f"{SITE}{THREAD}", f"{config.public_url}/", None):
        data = comment_data(thread="/" if return_to and return_to.startswith(PUBLIC_URL) else THREAD)
        if return_to:
            data["return_to"] = return_to
        response = await client.post("/api/comments", data=data, allow_redirects=False)
        assert response.status == 303
        location = response.headers["Location"]
        note = re.search(r"pending=([\w-]+)", location)
        assert note and "/mine/" not in location
        landing = "/embed?thread=" + data["thread"] if return_to else "/thanks?"
        if return_to and return_to.startswith(PUBLIC_URL):
            landing = "/?"
        answer = await client.get(f"{landing}&pending={note.group(1)}")
        text = await answer.text()
        (path,) = set(MINE.findall(text))
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "private, no-store" == answer.headers["Cache-Control"]
        assert data["body"] in await page_text(client, path)
        # The note alone, from the site's address: the link is not in it for whoever reads it.
        assert path.rsplit("/", 1)[1] not in note.group(1)


async def test_withdrawing_empties_the_comment_and_a_moderators_link_then_says_so_and_changes_nothing(
    client: TestClient, smtpd: SmtpSink, store: Store, receiver: Receiver
) -> None:
    comment_id, path = await submitted(client, name="Regretful Reader", body="My diagnosis is a private matter.")
    approve = await email_link(smtpd, comment_id, "approve", MODERATORS[0])
    done = await client.post(path, data={"action": "withdraw"})
    assert done.status == 200
    assert "Your comment was withdrawn" in await done.text()
    assert await row(store, comment_id) == ("withdrawn", "", "", "")

    looked = await page_text(client, approve)
    assert "withdrawn by its author" in looked and "diagnosis" not in looked
    acted = await client.post(approve)
    assert acted.status == 200
    assert "withdrawn by its author" in await acted.text()
    assert (await row(store, comment_id))[0] == "withdrawn"
    assert (await (await client.get("/api/comments", params={"thread": THREAD})).json())["comments"] == []

    (entry,) = [e for e in await store.comments.audit_log(0) if e.comment == comment_id and e.from_status]
    assert (entry.from_status, entry.to_status, entry.actor, entry.channel) == (
        CommentStatus.PENDING,
        "withdrawn",
        "author",
        Channel.AUTHOR,
    )
    hook = await eventually(lambda: [t.json for t in receiver.delivered if t.json["event"] == "comment.withdrawn"])
    assert hook[0]["id"] == comment_id and hook[0]["name"] == "" and hook[0]["body_html"] == ""
    assert "diagnosis" not in (await page_text(client, path)) and "You withdrew" in await page_text(client, path)
    # Nothing more to do: the page offers nothing, and a second post changes nothing.
    assert 'name="action"' not in await page_text(client, path)
    assert (await client.post(path, data={"action": "withdraw"})).status == 200
    await submitted(client)  # and the service takes comments as before


async def test_an_edit_that_speaks_of_a_crisis_mails_every_moderator_at_once_as_urgent(
    client: TestClient, smtpd: SmtpSink
) -> None:
    comment_id, path = await submitted(client, body="Does the nausea pass after the second session?")
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    crisis = "After the last session I feel worse. I have saved up my pills and I want to die tonight."
    await client.post(path, data={"action": "edit", "body": crisis})

    def urgent() -> list[str]:
        return [str(m["To"]) for m in mails_for(smtpd.messages, comment_id) if str(m["Subject"]).startswith("Urgent")]

    assert sorted(await eventually(lambda: len(urgent()) == len(MODERATORS) and urgent(), timeout=15.0)) == sorted(
        MODERATORS
    )


async def test_an_edit_is_screened_again_and_the_moderators_links_show_the_new_text_as_edited(
    client: TestClient, smtpd: SmtpSink, store: Store, receiver: Receiver
) -> None:
    comment_id, path = await submitted(client, body="How long did the first course take?")
    approve = await email_link(smtpd, comment_id, "approve", MODERATORS[0])
    new = "What dosage did you start on? Call me on +44 20 7946 0958."
    edited = await client.post(path, data={"action": "edit", "body": new})
    assert edited.status == 200
    assert "Your comment was changed" in await edited.text()
    comment = await store.comments.get(comment_id)
    assert comment is not None and comment.status is CommentStatus.PENDING and comment.body == new
    kinds = {(hold.kind.value, hold.detail) for hold in comment.holds}
    assert ("hold_words", "dosage") in kinds and ("personal_details", "phone") in kinds

    looked = await page_text(client, approve)
    assert "What dosage did you start on?" in looked and "Edited by its author" in looked
    assert "How long did the first course take?" not in looked
    hook = await eventually(lambda: [t.json for t in receiver.delivered if t.json["event"] == "comment.edited"])
    assert hook[0]["status"] == "pending" and "7946" not in hook[0]["body_html"]  # masked, as before publishing
    entries = [e for e in await store.comments.audit_log(0) if e.comment == comment_id]
    assert (entries[-1].channel, entries[-1].reason) == (Channel.AUTHOR, "edited")

    # A spam word sends it to spam, as it would a submission; then it can no longer be edited.
    await client.post(path, data={"action": "edit", "body": "Best casino bonus here."})
    assert (await row(store, comment_id))[0] == "spam"
    assert "kept as spam" in await page_text(client, path)
    assert 'value="edit"' not in await page_text(client, path)
    (await client.post(approve)).close()
    assert (await row(store, comment_id))[0] == "spam"


async def test_an_invalid_edit_is_refused_beside_the_field_and_changes_nothing(
    client: TestClient, store: Store
) -> None:
    comment_id, path = await submitted(client, body="Kept as it was.")
    refused = await client.post(path, data={"action": "edit", "body": "   "})
    assert refused.status == 422
    assert 'aria-invalid="true"' in await refused.text()
    unchanged = await client.post(path, data={"action": "edit", "body": "Kept as it was."})
    assert "nothing was changed" in await unchanged.text()
    assert await row(store, comment_id) == ("pending", "Dana Reader", READER, "Kept as it was.")
    assert (await client.post(path, data={"action": "approve"})).status == 400


async def test_deleting_a_published_comment_removes_it_from_every_answer_and_its_reply_stays_under_a_placeholder(
    client: TestClient, smtpd: SmtpSink, store: Store, receiver: Receiver, config: Config
) -> None:
    parent, path = await published(client, smtpd, name="Parent Writer", body="I took the esketamine spray.")
    reply, _ = await published(client, smtpd, parent=parent, email="sam@example.net", body="Same here, it helped.")
    before = await client.get("/api/comments", params={"thread": THREAD})
    assert 'value="delete"' in await page_text(client, path)

    done = await client.post(path, data={"action": "delete"})
    assert done.status == 200 and "Your comment was deleted" in await done.text()
    assert await row(store, parent) == ("deleted", "", "", "")

    after = await client.get("/api/comments", params={"thread": THREAD})
    assert after.headers["ETag"] != before.headers["ETag"]
    answer = await after.json()
    assert answer["count"] == 1
    placeholder, kept = answer["comments"]
    assert placeholder["id"] == parent and placeholder["deleted"] is True
    assert placeholder["name"] == "" and placeholder["body_html"] == ""
    assert kept["id"] == reply and kept["parent"] == parent and "deleted" not in kept
    await assert_documented(await document(client), "/api/comments", "get", after)  # as openapi.json says
    fragment = await page_text(client, f"/embed?thread={THREAD}")
    assert "deleted by its author" in fragment and "Same here" in fragment
    assert "esketamine" not in fragment and "Parent Writer" not in fragment
    search = json_ld(fragment)  # what search engines read: no placeholder, the reply answers the page
    assert parent not in by_id(search) and list(by_id(search)) == [reply] == [
        int(comment["url"].rpartition("-")[2]) for comment in search["comment"]
    ]
    assert search["commentCount"] == 1
    feed = await page_text(client, f"/api/comments/feed?thread={THREAD}")
    assert "esketamine" not in feed and "Same here" in feed
    assert await (await client.get("/api/comments/counts", params={"thread": THREAD})).json() == {THREAD: 1}

    entries = [e for e in await store.comments.audit_log(0) if e.comment == parent]
    assert (entries[-1].from_status, entries[-1].to_status, entries[-1].channel) == (
        CommentStatus.APPROVED,
        "deleted",
        Channel.AUTHOR,
    )
    hook = await eventually(lambda: [t.json for t in receiver.delivered if t.json["event"] == "comment.deleted"])
    assert hook[0]["id"] == parent and hook[0]["name"] == ""
    database = config.sqlite_path
    if database is not None:  # not in the file, nor in its log of recent writes
        for path_ in (database, database.with_name(database.name + "-wal")):
            assert not path_.exists() or b"esketamine" not in path_.read_bytes(), path_
    assert not [t for t in receiver.tries if b"esketamine" in t.body and t.json["event"] == "comment.deleted"]


async def test_a_deleted_comment_with_no_reply_leaves_no_placeholder(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id, path = await published(client, smtpd, body="Alone on the page.")
    await client.post(path, data={"action": "delete"})
    answer = await (await client.get("/api/comments", params={"thread": THREAD})).json()
    assert (answer["count"], answer["comments"]) == (0, [])
    assert "deleted by its author" not in await page_text(client, f"/embed?thread={THREAD}")


async def test_the_published_mail_carries_the_private_link_which_deletes_the_comment(
    client: TestClient, smtpd: SmtpSink, store: Store
) -> None:
    comment_id, _ = await published(client, smtpd, notify=True, body="Does anyone drive home afterwards?")
    (mail,) = await wait_for_mails_to(smtpd, READER, 1)
    found = MINE.search(text_of(mail))
    assert found, text_of(mail)
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and found.group(0) in str(html.get_content())
    assert line_url(mail, "Confirm")  # the other lines stay as they were
    assert "It is published" in await page_text(client, found.group(1))
    await client.post(found.group(1), data={"action": "delete"})
    assert (await row(store, comment_id))[0] == "deleted"
    assert mails_to(smtpd, READER) == [mail]


async def test_an_unknown_or_malformed_token_is_a_clear_404_page(client: TestClient) -> None:
    for path in ("/mine/" + "x" * 32, "/mine/", "/mine/%00", "/mine/" + "é" * 40):
        response = await client.get(path)
        assert response.status == 404, path
        assert response.headers["Cache-Control"] == "no-store"
        assert "Traceback" not in await response.text()
    refused = await client.post("/mine/" + "x" * 32, data={"action": "withdraw"})
    assert refused.status == 404
    assert "does not lead to a comment" in await refused.text()


async def test_the_queue_and_the_moderation_api_say_a_withdrawn_comment_was_withdrawn_and_change_nothing(
    client: TestClient, smtpd: SmtpSink, store: Store
) -> None:
    comment_id, path = await submitted(client)
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    await client.post(path, data={"action": "withdraw"})
    token = await store.api_tokens.create("bot")
    answer = await client.post(
        "/api/moderation/decide",
        json={"action": "approve", "ids": [comment_id]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (await answer.json())["results"] == [{"id": comment_id, "outcome": "already_withdrawn"}]
    assert (await row(store, comment_id))[0] == "withdrawn"
    listing = await client.get(
        "/api/moderation/comments", params={"status": "withdrawn"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert listing.status == 400
    assert urlsplit(path).path.startswith("/mine/")


async def test_in_chromium_the_widget_gives_the_writer_their_link_and_shows_a_deleted_comments_reply(
    browser: Browser, stack: Stack
) -> None:
    assert stack.smtpd is not None
    thread = stack.thread()
    answer = await stack.client.post("/api/comments", json=comment_data(thread=thread, body="Since removed."))
    parent, manage = (await answer.json())["id"], (await answer.json())["manage"]
    await decide(stack.client, stack.smtpd, parent)
    reply = await publish(stack.client, stack.smtpd, thread=thread, parent=parent, body="A reply that stays.")
    assert (await stack.client.post(urlsplit(manage).path, data={"action": "delete"})).status == 200

    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    root = page.locator("#comments .mod-comments")
    await expect(root.locator(".mod-count")).to_have_text("1 comment")
    placeholder = root.locator(f"#comment-{parent}")
    await expect(placeholder.locator(":scope > .mod-deleted")).to_have_text("This comment was deleted by its author.")
    await expect(placeholder.locator(f"#comment-{reply} .mod-body")).to_have_text("A reply that stays.")
    await expect(root).not_to_contain_text("Since removed.")

    await page.get_by_label(re.compile(r"^Comment\W*$")).fill("Mine, and my link to it.")
    await page.get_by_label(re.compile(r"^Name\W*$")).fill("Robin Reader")
    await page.get_by_label(re.compile(r"^Email\W*$")).fill("robin@example.com")
    await page.get_by_role("button", name="Post Comment").click()
    link = root.locator("li.mod-pending .mod-manage a")
    await expect(link).to_have_count(1)
    href = await link.get_attribute("href")
    assert href and href.startswith(f"{stack.service}/mine/")
    own = await page.context.new_page()
    await own.goto(href)
    await expect(own.get_by_role("button", name="Withdraw my comment")).to_be_visible()
    assert watch.problems == []


@pytest.mark.parametrize(
    ("lang", "title", "button"), [("de", "Ihr Kommentar", "Zurückziehen"), ("es", "Su comentario", "Retirar")]
)
async def test_the_page_speaks_the_language_of_the_page_the_comment_was_written_on(
    client: TestClient, lang: str, title: str, button: str
) -> None:
    _, path = await submitted(client, lang=lang)
    text = await page_text(client, path)
    assert f'lang="{lang}"' in text and title in text and button in text


async def test_a_moderator_who_read_the_text_before_an_edit_approves_nothing_until_they_read_the_new_one(
    client: TestClient, smtpd: SmtpSink, store: Store
) -> None:
    comment_id, path = await submitted(client, body="An honest question about the second week.")
    approve = await email_link(smtpd, comment_id, "approve", MODERATORS[0])
    seen = re.search(r'name="seen" value="(\w+)"', await page_text(client, approve))
    assert seen
    await client.post(path, data={"action": "edit", "body": "Something else entirely, written afterwards."})

    stale = await client.post(approve, data={"seen": seen.group(1)})
    assert stale.status == 409
    text = await stale.text()
    assert "changed the text after you opened this page" in text and "written afterwards" in text
    assert (await row(store, comment_id))[0] == "pending"
    fresh = re.search(r'name="seen" value="(\w+)"', text)
    assert fresh and fresh.group(1) != seen.group(1)
    assert (await client.post(approve, data={"seen": fresh.group(1)})).status == 200
    assert (await row(store, comment_id))[0] == "approved"


async def test_the_queue_decides_nothing_on_a_comment_edited_after_its_page_showed_it(
    service: TestClient, smtpd: SmtpSink, store: Store, clock: Clock
) -> None:
    comment_id, path = await submitted(service, body="What the queue first showed.")
    alice = await sign_in(service, smtpd)
    page = await alice.page()
    seen = re.search(r'name="seen" value="([\d.]+)"', page)
    assert seen and "What the queue first showed." in page
    clock.advance(5)
    await service.post(path, data={"action": "edit", "body": "What the author wrote after it."})

    after = await alice.decide("approve", [comment_id], seen=seen.group(1))
    assert "changed by its author since the page showed it" in after
    assert (await row(store, comment_id))[0] == "pending"
    assert "Edited by its author" in after and "What the author wrote after it." in after
    fresh = re.search(r'name="seen" value="([\d.]+)"', after)
    assert fresh
    await alice.decide("approve", [comment_id], seen=fresh.group(1))
    assert (await row(store, comment_id))[0] == "approved"
