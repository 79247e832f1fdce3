"""Moderator emails: composed from templates, sent over SMTP with aiosmtplib."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import jinja2

from .config import Config
from .models import Action, Notification
from .tokens import LinkSigner


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str = "none"  # none, starttls or tls
    username: str = ""
    password: str = ""
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        return cls(
            host=config.smtp_host,
            port=config.smtp_port,
            tls=config.smtp_tls,
            username=config.smtp_username,
            password=config.smtp_password,
            timeout=config.smtp_timeout,
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def compose(
    notification: Notification, *, config: Config, signer: LinkSigner, templates: jinja2.Environment
) -> EmailMessage:
    """The email asking one moderator to approve or reject one comment.

    Composing it again gives the same message (Message-ID included), so a re-send after a crash
    is recognisable as a copy.
    """
    comment = notification.comment
    links = {
        action.value: f"{config.public_url}/moderate/{signer.mint(comment.id, action, notification.recipient)}"
        for action in Action
    }
    context = {
        "comment": comment,
        "page_title": _one_line(comment.title or comment.thread),
        "page_url": config.allowed_origins[0] + comment.thread,
        "approve_url": links["approve"],
        "reject_url": links["reject"],
        "ttl_days": round(config.link_ttl / 86400, 1),
    }
    message = EmailMessage()
    message["Subject"] = f"New comment awaiting approval: {context['page_title']}"
    message["From"] = config.mail_from
    message["To"] = notification.recipient
    message["Date"] = format_datetime(notification.created)
    domain = config.mail_from.rpartition("@")[2]
    message["Message-ID"] = f"<comment-{comment.id}.notification-{notification.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(templates.get_template("email/new_comment.txt").render(context))
    message.add_alternative(templates.get_template("email/new_comment.html").render(context), subtype="html")
    return message


class SmtpConnection:
    """One SMTP session for a batch of messages: connect once, send many, always quit."""

    def __init__(self, settings: SmtpSettings):
        self._settings = settings
        self._client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            timeout=settings.timeout,
            use_tls=settings.tls == "tls",
            start_tls=settings.tls == "starttls",
        )

    async def __aenter__(self) -> SmtpConnection:
        await self._client.connect()
        if self._settings.username:
            await self._client.login(self._settings.username, self._settings.password)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # The messages are handed over already; a failing goodbye changes nothing.
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            await self._client.quit()
        self._client.close()

    async def send(self, message: EmailMessage) -> None:
        await self._client.send_message(message)
