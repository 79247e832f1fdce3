"""Readers' side of the mail: what one address received, its links, and a way to know the outbox is idle."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from tests.conftest import MODERATORS, PUBLIC_URL
from tests.factories import comment_data, decide, submit
from tests.smtp import SmtpSink, mails_for, text_of
from tests.waiting import eventually

READER = "dana.reader@example.com"
OTHER = "sam.other@example.net"


def mails_to(smtpd: SmtpSink, address: str) -> list[EmailMessage]:
    return [m for m in smtpd.messages if str(m["To"]).lower() == address.lower()]


async def wait_for_mails_to(smtpd: SmtpSink, address: str, count: int) -> list[EmailMessage]:
    await eventually(lambda: len(mails_to(smtpd, address)) >= count, timeout=15.0, interval=0.02)
    return mails_to(smtpd, address)


def line_url(message: EmailMessage, word: str) -> str | None:
    found = re.search(rf"^{word}: (\S+)\r?$", text_of(message), re.MULTILINE)
    return found.group(1) if found else None


def confirm_path(message: EmailMessage) -> str:
    url = line_url(message, "Confirm")
    assert url, "no Confirm line in the mail"
    assert url.startswith(f"{PUBLIC_URL}/subscriptions/confirm/")
    return urlsplit(url).path


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    assert header.startswith(f"<{PUBLIC_URL}/unsubscribe/") and header.endswith(">"), header
    return urlsplit(header[1:-1]).path


async def settle(client: TestClient, smtpd: SmtpSink) -> None:
    """Wait until everything written so far has gone out: the outbox sends oldest first, so once
    a comment submitted now has reached the moderators, all mail written before it has too."""
    marker = await submit(client, name="Outbox Marker", email="marker@example.org")
    await eventually(lambda: len(mails_for(smtpd.messages, marker)) == len(MODERATORS), timeout=15.0)


async def approved(client: TestClient, smtpd: SmtpSink, **fields: object) -> int:
    """A comment submitted and approved from a moderator's emailed link."""
    comment_id = await submit(client, **fields)
    await decide(client, smtpd, comment_id, "approve")
    return comment_id


async def subscribed(client: TestClient, smtpd: SmtpSink, address: str = READER, **fields: object) -> EmailMessage:
    """A reader ticks the box and is published: the one mail that says so (with its Confirm line)."""
    before = len(mails_to(smtpd, address))
    await approved(client, smtpd, email=address, notify=True, **fields)
    mails = await wait_for_mails_to(smtpd, address, before + 1)
    return mails[-1]


async def confirmed(client: TestClient, smtpd: SmtpSink, address: str = READER, **fields: object) -> int:
    """A reader subscribed and confirmed; the id of the comment."""
    mail = await subscribed(client, smtpd, address, **fields)
    response = await client.post(confirm_path(mail))
    assert response.status == 200 and "Confirmed" in await response.text()
    return int(re.search(r"#comment-(\d+)", text_of(mail)).group(1))  # type: ignore[union-attr]


def form_data(**overrides: object) -> dict[str, str]:
    return {key: str(value) for key, value in comment_data(**overrides).items()}
