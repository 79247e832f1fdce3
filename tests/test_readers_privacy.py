"""Reader mail tells no reader about another, and `moderation forget` ends a reader's mail."""

from __future__ import annotations

import re
import time
from urllib.parse import unquote

from aiohttp.test_utils import TestClient

from moderation.app import service_links
from moderation.config import Config
from moderation.store import open_store
from tests import db
from tests.factories import decide, submit
from tests.readers import OTHER, READER, approved, confirmed, mails_to, settle, subscribed, unsubscribe_path
from tests.smtp import SmtpSink

CANARY = "canary.7f3a@readers.example"
THREAD = "/how-many-ketamine-treatments/"


async def test_a_canary_address_is_in_no_url_or_header_of_mail_to_another_reader_nor_in_any_public_answer(
    service: TestClient, smtpd: SmtpSink
) -> None:
    question = await confirmed(service, smtpd)
    # The canary is a subscriber too, and replies to the reader; the reader replies back.
    canary_comment = await approved(service, smtpd, email=CANARY, notify=True, name="Canary", parent=question)
    await approved(service, smtpd, email=READER, parent=canary_comment, body="Thanks, Canary.")
    await settle(service, smtpd)
    to_reader = mails_to(smtpd, READER)
    assert len(to_reader) == 2  # published, and the canary's reply
    for mail in to_reader:
        raw = mail.as_string()
        assert CANARY not in raw and CANARY not in unquote(raw)
        for name, value in mail.items():
            assert CANARY not in str(value), name
        for url in re.findall(r"https?://\S+", raw):
            assert "canary" not in unquote(url).lower()
    (to_canary,) = mails_to(smtpd, CANARY)  # its published mail: nothing of the reader in it
    assert READER not in to_canary.as_string().replace(f"To: {CANARY}", "")

    public = [
        "/api/comments?thread=" + THREAD,
        "/embed?thread=" + THREAD,
        "/api/comments/feed?thread=" + THREAD,
        unsubscribe_path(to_reader[1]),
        unsubscribe_path(to_canary),
    ]
    for path in public:
        response = await service.get(path)
        assert response.status == 200, path
        assert CANARY not in await response.text(), path
        assert all(CANARY not in value for value in response.headers.values()), path


async def test_forget_ends_the_readers_subscriptions_and_keeps_only_do_not_mail(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await confirmed(service, smtpd, CANARY)
    other = await subscribed(service, smtpd, CANARY, body="A second question, waiting to be confirmed.")
    never = await service.post(unsubscribe_path(other), data={"never": "1"})
    assert never.status == 200
    await approved(service, smtpd, email=OTHER, parent=question, body="An answer the canary will not get.")
    await settle(service, smtpd)
    before = len(mails_to(smtpd, CANARY))

    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        gone = await store.comments.forget(CANARY)
    finally:
        await store.close()
    assert gone.comments == 2
    page = await service.get(unsubscribe_path(other))
    assert page.status == 404  # the subscription and its links are gone
    # The do-not-mail entry stays: the same address ticking the box again hears nothing.
    await approved(service, smtpd, email=CANARY, notify=True, body="Back after being forgotten.")
    await submit(service, email=OTHER, body="Unrelated.")
    await settle(service, smtpd)
    assert len(mails_to(smtpd, CANARY)) == before


async def reader_rows(config: Config, address: str) -> dict[str, int]:
    """How many rows of each readers' table, and of reader mail waiting, find this address."""
    index = config.sealer().index(address)
    found = {}
    for table in ("subscriptions", "subscription_confirmations", "confirmation_marks", "do_not_mail"):
        ((count,),) = await db.query(config, f"SELECT COUNT(*) FROM {table} WHERE address_key = ?", index)
        found[table] = count
    ((waiting,),) = await db.query(
        config, "SELECT COUNT(*) FROM outbox WHERE recipient_index = ? AND status = 'pending'", index
    )
    found["waiting mail"] = waiting
    return found


async def test_forget_in_another_case_removes_the_subscriptions_and_no_mail_follows(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await confirmed(service, smtpd, CANARY)
    await subscribed(service, smtpd, CANARY, body="A second question, waiting to be confirmed.")
    # A reply already written, waiting for a moderator when the reader asks to be forgotten.
    reply = await submit(service, email=OTHER, parent=question, body="An answer approved after the forget.")
    await settle(service, smtpd)
    before = len(mails_to(smtpd, CANARY))
    assert (await reader_rows(config, CANARY))["subscriptions"] == 2

    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        gone = await store.comments.forget(CANARY.upper())
    finally:
        await store.close()
    assert gone.comments == 2
    assert await reader_rows(config, CANARY) == {
        "subscriptions": 0,
        "subscription_confirmations": 0,
        "confirmation_marks": 0,
        "do_not_mail": 0,
        "waiting mail": 0,
    }
    await decide(service, smtpd, reply, "approve")
    await approved(service, smtpd, email=OTHER, body="Another comment on the page.")
    await settle(service, smtpd)
    assert len(mails_to(smtpd, CANARY)) == before
