"""Test data with defaults; override what a test is about."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp.test_utils import TestClient

from moderation.holds import Hold, HoldKind
from moderation.models import CommentStatus, NewComment
from tests.smtp import SmtpSink, link_path, mails_for
from tests.waiting import eventually

_serial = itertools.count(1)


def comment_data(**overrides: Any) -> dict[str, Any]:
    # Every default body differs: the same text twice on one page is caught as spam.
    data: dict[str, Any] = {
        "thread": "/how-many-ketamine-treatments/",
        "title": "How many ketamine treatments does depression take?",
        "name": "Dana Reader",
        "email": "dana.reader@example.com",
        "website": "",
        "body": f"Thank you, this answered my question about the first six sessions. ({next(_serial)})",
    }
    data.update(overrides)
    return data


async def submit(client: TestClient, **overrides: Any) -> int:
    """Post a comment as JSON; return its id."""
    response = await client.post("/api/comments", json=comment_data(**overrides))
    assert response.status == 202, await response.text()
    return int((await response.json())["id"])


async def decide(client: TestClient, smtpd: SmtpSink, comment_id: int, action: str = "approve") -> None:
    """Act on a comment from the first moderator email about it, as a moderator would."""
    mails = await eventually(lambda: mails_for(smtpd.messages, comment_id), timeout=15.0)
    response = await client.post(link_path(mails[0], action))
    assert response.status == 200, await response.text()


async def publish(client: TestClient, smtpd: SmtpSink, **overrides: Any) -> int:
    """Submit a comment and approve it."""
    comment_id = await submit(client, **overrides)
    await decide(client, smtpd, comment_id, "approve")
    return comment_id


async def email_link(smtpd: SmtpSink, comment_id: int, action: str, moderator: str) -> str:
    """The path of one moderator's emailed link about a comment."""

    def arrived() -> list[Any]:
        return [m for m in mails_for(smtpd.messages, comment_id) if str(m["To"]) == moderator]

    (mail,) = await eventually(arrived, timeout=15.0)
    return link_path(mail, action)


# A hold of every kind, and what a moderator reads of each in English, written out here rather
# than taken from the code: the queue, the mail and the API must name every one.
HOLDS = {
    Hold(HoldKind.HONEYPOT): "filled in the hidden field that people never see",
    Hold(HoldKind.FORM_STAMP): "sent a form stamp that was not issued here",
    Hold(HoldKind.TOO_FAST, "1"): "posted 1 s after the form was shown",
    Hold(HoldKind.FORM_AGE, "5"): "the form was open for 5 days",
    Hold(HoldKind.DUPLICATE): "the same text was already posted on this page",
    Hold(HoldKind.LINKS, "5"): "5 links",
    Hold(HoldKind.SPAM_WORDS, "casino"): "contains the spam word “casino”",
    Hold(HoldKind.HOLD_WORDS, "dosage"): "contains “dosage”",
    Hold(HoldKind.LINK_DOMAIN, "pills.example"): "links to pills.example, a denied domain",
    Hold(HoldKind.CLASSIFIER, "0.9931"): "the spam classifier scored it 0.9931, above the threshold",
    Hold(HoldKind.CHECK, "contains 'dosage'"): "contains 'dosage'",  # as an older version wrote it
}
HELD_BODY = "Which dosage did you start on? Mine was low."


def held_comment(holds: tuple[Hold, ...], status: CommentStatus = CommentStatus.PENDING) -> NewComment:
    """A reader's comment as the spam checks left it, to be stored with store.comments.submit."""
    body = f"{HELD_BODY} ({next(_serial)})"  # the same text twice on a page is held as a duplicate
    data = comment_data(body=body)
    return NewComment(
        thread=data["thread"],
        title=data["title"],
        name=data["name"],
        email=data["email"],
        website="",
        body=body,
        body_html=f"<p>{body}</p>",
        avatar="a",
        status=status,
        holds=holds,
    )
