"""Outbox payloads: the JSON a mail's row holds keeps its shape, and rows already stored are sent."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from moderation.config import Config
from moderation.mail.payloads import DigestMail, DigestMode, PublishedMail, ReplyMail, SignInMail, dump
from tests import db
from tests.conftest import MODERATORS, PUBLIC_URL
from tests.factories import submit
from tests.smtp import SmtpSink, text_of
from tests.waiting import eventually

READER = "reader@example.org"
SUBSCRIBER = "subscriber@example.org"
# Rows as the service has written them, key for key, since these mails exist.
STORED = {
    "sign_in": '{"link": "the-link-id"}',
    "digest": '{"period": 1764720000.0, "mode": "daily", "comments": [%d]}',
    "published": '{"confirm": "confirm-token", "unsubscribe": "unsubscribe-token"}',
    "reply": '{"unsubscribe": "reply-unsubscribe-token", "lang": "de"}',
}


def test_each_payload_is_written_as_the_rows_already_stored_hold_it() -> None:
    assert dump(SignInMail(link="the-link-id")) == STORED["sign_in"]
    assert dump(DigestMail(period=1764720000.0, mode=DigestMode.DAILY, comments=(7,))) == STORED["digest"] % 7
    # Since "my comment", a published mail's row adds the private link's token after the keys it had;
    # rows without it are still read (test_rows_written_in_the_stored_format_are_read_and_sent).
    published = PublishedMail(confirm="confirm-token", unsubscribe="unsubscribe-token", manage="manage-token")
    assert dump(published) == STORED["published"][:-1] + ', "manage": "manage-token"}'
    assert PublishedMail.from_json({"confirm": "confirm-token", "unsubscribe": "unsubscribe-token"}).manage is None
    assert dump(PublishedMail(confirm=None, unsubscribe="u", manage="m")) == (
        '{"confirm": null, "unsubscribe": "u", "manage": "m"}'
    )
    assert dump(ReplyMail(unsubscribe="reply-unsubscribe-token", lang="de")) == STORED["reply"]


async def stored_mail(config: Config, kind: str, recipient: str, payload: str, comment_id: int | None) -> int:
    """An outbox row written by hand in the stored format; due only once its recipient is sealed."""
    ((outbox_id,),) = await db.query(
        config,
        "INSERT INTO outbox (kind, comment_id, recipient, recipient_index, payload, next_attempt_at, created_at)"
        " VALUES (?, ?, '', ?, ?, 1e12, 0) RETURNING id",
        kind,
        comment_id,
        config.sealer().index(recipient),
        payload,
    )
    sealed = config.sealer().seal(recipient, "outbox", "recipient", outbox_id)
    await db.query(config, "UPDATE outbox SET recipient = ?, next_attempt_at = 0 WHERE id = ?", sealed, outbox_id)
    return int(outbox_id)


async def test_rows_written_in_the_stored_format_are_read_and_sent(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(client, body="Is the second session easier than the first?")
    await smtpd.wait_for(len(MODERATORS))
    ids = [
        await stored_mail(config, "sign_in", MODERATORS[0], STORED["sign_in"], None),
        await stored_mail(config, "digest", MODERATORS[1], STORED["digest"] % comment_id, None),
        await stored_mail(config, "published", READER, STORED["published"], comment_id),
        await stored_mail(config, "reply", SUBSCRIBER, STORED["reply"], comment_id),
    ]
    messages = await smtpd.wait_for(len(MODERATORS) + len(ids))
    later = messages[len(MODERATORS) :]
    sign_in, digest, published, reply = (
        next(m for m in later if m["To"] == to) for to in (MODERATORS[0], MODERATORS[1], READER, SUBSCRIBER)
    )
    assert f"{PUBLIC_URL}/queue/login/" in text_of(sign_in)
    assert "Is the second session easier than the first?" in text_of(digest)
    assert f"{PUBLIC_URL}/moderate/" in text_of(digest)
    assert f"{PUBLIC_URL}/subscriptions/confirm/confirm-token?lang=en" in text_of(published)
    assert f"{PUBLIC_URL}/unsubscribe/unsubscribe-token?lang=en" in text_of(published)
    # A reply speaks the subscriber's own language, from the payload.
    assert f"{PUBLIC_URL}/unsubscribe/reply-unsubscribe-token?lang=de" in text_of(reply)

    async def all_sent() -> list[int]:
        rows = await db.records(config, "SELECT id FROM outbox WHERE status = 'sent' AND kind <> 'new_comment'")
        return sorted(row["id"] for row in rows) if len(rows) == len(ids) else []

    assert await eventually(all_sent) == ids
