"""The moderator email, as the SMTP server receives it."""

from __future__ import annotations

import base64
import html
import re
import time
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.app_keys import languages_key, links_key, store_key
from moderation.config import Config
from moderation.mail.compose import Composer
from moderation.models import MailKind, Notification
from moderation.store import open_store
from moderation.tokens import LinkSigner
from tests.conftest import MODERATORS, PUBLIC_URL, SITE
from tests.db import query
from tests.factories import HELD_BODY, HOLDS, comment_data, held_comment, publish, submit
from tests.smtp import SmtpSink, mails_for, text_of
from tests.waiting import eventually

THREAD = comment_data()["thread"]
TITLE = comment_data()["title"]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no text/html part"
    return str(part.get_content())


async def mails_about(smtpd: SmtpSink, comment_id: int) -> list[EmailMessage]:
    """The moderator emails for one comment, one per moderator, sorted by recipient."""

    def all_arrived() -> list[EmailMessage]:
        mails = mails_for(smtpd.messages, comment_id)
        return mails if len(mails) >= len(MODERATORS) else []

    return sorted(await eventually(all_arrived), key=lambda m: str(m["To"]))


def link(message: EmailMessage, action: str) -> str:
    found = re.findall(rf"^{action}: (\S+)\r?$", text_of(message), re.MULTILINE)
    assert len(found) == 1, f"expected one line '{action}: URL' in the text part"
    return str(found[0])


def decoded_payload(token: str) -> str:
    """What anyone can read from a token without the key: its first segment, decoded."""
    compressed = token.startswith(".")
    segment = token.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if compressed:
        raw = zlib.decompress(raw)
    return raw.decode("utf-8", "replace")


async def test_moderator_email_is_text_and_html_alternatives_from_the_sender_to_each_moderator(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(client)
    mails = await mails_about(smtpd, comment_id)
    assert [str(m["To"]) for m in mails] == sorted(MODERATORS)
    for mail in mails:
        assert mail.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
        assert str(mail["From"]) == config.mail_from
        # No comment of the page is approved yet: the subject names its path, the text what the commenter sent.
        assert str(mail["Subject"]) == f"New comment awaiting approval: {comment_data()['thread']}"
        assert f"Title given by the commenter: {TITLE}" in text_of(mail)


async def test_message_id_is_unique_per_comment_and_moderator_and_the_same_when_composed_again(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    first = await submit(client)
    second = await submit(client, body="A second comment on the same page.")
    received = {
        (comment_id, str(mail["To"])): mail
        for comment_id in (first, second)
        for mail in await mails_about(smtpd, comment_id)
    }
    mails = list(received.values())
    message_ids = [str(m["Message-ID"]) for m in mails]
    assert len(set(message_ids)) == 4
    assert all(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", mid) for mid in message_ids)

    # Composing a notification again (a re-send after a crash) gives the same Message-ID.
    rows = await query(config, "SELECT id, comment_id, recipient, attempts, created_at FROM outbox")
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        signer = LinkSigner(config.secret_key, config.link_ttl)
        app = create_app(config)  # not started: its languages and links, as the sender gets them
        assert len(rows) == 4
        for notification_id, comment_id, recipient, attempts, created_at in rows:
            comment = await store.comments.get(comment_id)
            assert comment is not None
            notification = Notification(
                id=notification_id,
                kind=MailKind.NEW_COMMENT,
                recipient=config.sealer().open(recipient, "outbox", "recipient", notification_id),
                attempts=attempts,
                created=datetime.fromtimestamp(created_at, UTC),
                comment=comment,
            )
            compose = Composer(config=config, signer=signer, languages=app[languages_key], links=app[links_key])
            once, again = compose(notification), compose(notification)
            assert once["Message-ID"] == again["Message-ID"]
            assert once["Message-ID"] == received[(comment_id, notification.recipient)]["Message-ID"]
    finally:
        await store.close()


async def test_text_part_has_approve_and_reject_links_under_the_public_url(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    alice, bob = await mails_about(smtpd, comment_id)
    urls = []
    for mail in (alice, bob):
        for action in ("Approve", "Reject"):
            url = link(mail, action)
            assert url.startswith(f"{PUBLIC_URL}/moderate/")
            assert len(urlsplit(url).path.removeprefix("/moderate/")) > 20
            urls.append(url)
    # Signed per action and per moderator: four different links.
    assert len(set(urls)) == 4


async def test_link_tokens_carry_no_email_address_not_even_encoded(client: TestClient, smtpd: SmtpSink) -> None:
    commenter = "dana.reader@example.com"
    comment_id = await submit(client, email=commenter)
    for mail in await mails_about(smtpd, comment_id):
        moderator = str(mail["To"])
        for action in ("Approve", "Reject"):
            token = unquote(urlsplit(link(mail, action)).path.removeprefix("/moderate/"))
            payload = decoded_payload(token)
            assert str(comment_id) in payload  # the segment was decoded for real
            for address in (moderator, commenter):
                for shown in (token, payload):
                    assert address.lower() not in shown.lower()
                    assert address.split("@")[0].lower() not in shown.lower()


async def test_both_parts_show_the_page_the_commenter_and_the_comment(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(
        client,
        name="Dana Reader",
        email="dana.reader@example.com",
        website="https://dana-reader.example/blog",
        body="Six sessions in, my mornings are easier.",
    )
    for mail in await mails_about(smtpd, comment_id):
        for part in (text_of(mail), html_of(mail)):
            assert TITLE in part
            assert SITE + THREAD in part
            assert "Dana Reader" in part
            assert "dana.reader@example.com" in part
            assert "https://dana-reader.example/blog" in part
            assert "Six sessions in, my mornings are easier." in part


async def test_both_parts_name_every_hold_above_the_comment(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = (await client.app[store_key].comments.submit(held_comment(tuple(HOLDS)))).id
    line = f"Worth a closer look: {'; '.join(HOLDS.values())}."
    for mail in await mails_about(smtpd, comment_id):
        for part in (text_of(mail), html.unescape(html_of(mail))):
            assert line in part
            assert part.index(line) < part.index(HELD_BODY)


async def test_html_part_escapes_the_commenters_name(client: TestClient, smtpd: SmtpSink) -> None:
    name = "<img src=x onerror=alert(1)>"
    comment_id = await submit(client, name=name)
    for mail in await mails_about(smtpd, comment_id):
        html = html_of(mail)
        assert "&lt;img" in html
        assert "<img src=x" not in html
        assert name in text_of(mail)  # plain text shows it as typed


async def test_markdown_in_the_comment_is_rendered_in_the_html_part(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client, body="The ketamine sessions were *really* worth it.")
    for mail in await mails_about(smtpd, comment_id):
        assert "<em>really</em>" in html_of(mail)
        assert "*really*" in text_of(mail)


async def test_newline_in_the_title_does_not_break_the_subject_header(client: TestClient, smtpd: SmtpSink) -> None:
    # Approved, the comment's title becomes the page's, and with it the next mail's subject.
    await publish(client, smtpd, title="Ketamine FAQ\r\nBcc: attacker@evil.example\nX-Injected: yes")
    comment_id = await submit(client)
    for mail in await mails_about(smtpd, comment_id):
        subjects = mail.get_all("Subject")
        assert subjects is not None and len(subjects) == 1
        subject = str(subjects[0])
        assert "Ketamine FAQ" in subject
        assert "\n" not in subject and "\r" not in subject
        assert mail["Bcc"] is None and mail["X-Injected"] is None
        assert str(mail["To"]) in MODERATORS


async def test_page_path_with_a_line_separator_is_refused_before_it_can_reach_a_subject(
    client: TestClient, smtpd: SmtpSink
) -> None:
    response = await client.post("/api/comments", json=comment_data(thread="/odd\u2028page/", title=""))
    assert response.status == 422
    assert "thread" in (await response.json())["errors"]
