"""The dev mailbox: an SMTP server on loopback that keeps what it receives in a Maildir."""

from __future__ import annotations

import asyncio
import mailbox
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path

from markupsafe import Markup, escape


async def start_dev_mailbox(mail_dir: Path) -> tuple[asyncio.Server, int]:
    """Listen on 127.0.0.1 on a free port; return the server and its port."""
    # Imported here: a service with a real SMTP server never needs an SMTP server of its own.
    from aiosmtpd.handlers import Mailbox
    from aiosmtpd.smtp import SMTP

    mail_dir.parent.mkdir(parents=True, exist_ok=True)
    handler = Mailbox(mail_dir)  # creates the Maildir, unless the folder is already there
    server = await asyncio.get_running_loop().create_server(
        partial(SMTP, handler, hostname="localhost", ident="moderation dev mailbox"), host="127.0.0.1", port=0
    )
    return server, server.sockets[0].getsockname()[1]


@dataclass(frozen=True)
class CaughtMail:
    key: str
    subject: str
    to: str
    date: str
    text: str


def read_dev_mailbox(mail_dir: Path, limit: int = 50) -> list[CaughtMail]:
    """The newest messages first."""
    if not mail_dir.exists():
        return []
    box = mailbox.Maildir(mail_dir, create=False)
    caught = []
    for key in box.keys():
        stored = box.get_message(key)
        message = message_from_bytes(stored.as_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        caught.append(
            (
                stored.get_date(),  # when it was delivered
                CaughtMail(
                    key=key,
                    subject=str(message["Subject"] or ""),
                    to=str(message["To"] or ""),
                    date=str(message["Date"] or ""),
                    text=body.get_content() if body is not None else "",
                ),
            )
        )
    caught.sort(key=lambda pair: pair[0], reverse=True)
    return [mail for _, mail in caught[:limit]]


_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Plain mail text as HTML, with its links made clickable."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts += [escape(text[last : match.start()]), Markup('<a href="{0}">{0}</a>').format(match.group())]
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
