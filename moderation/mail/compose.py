"""Every mail the service sends, composed from its templates."""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import jinja2

from ..config import Config
from ..models import LINK_ACTIONS, Action, MailKind, Notification
from ..tokens import LinkSigner, SigninSigner


class _Headers(HeaderRegistry):
    """The standard header registry, but each header's class is made once, not on every use.

    The standard library builds a new class with type() every time a header is set or read:
    that was a third of the time it takes to compose a message.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = super().__getitem__(name)
        return made


POLICY = email.policy.default.clone(header_factory=_Headers())


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Composer:
    """Writes each kind of mail in the outbox from its templates: email/KIND.txt and .html.

    Composing a mail again gives the same message (Message-ID included), so that a re-send
    after a crash is recognisable as a copy.
    """

    def __init__(self, *, config: Config, signer: LinkSigner, templates: jinja2.Environment):
        self._config = config
        self._signer = signer
        self._templates = templates
        self._domain = config.mail_from.rpartition("@")[2]
        self._signin = SigninSigner(config.secret_key)
        # Each kind: its subject and the context of its templates.
        self._kinds: dict[MailKind, Callable[[Notification], tuple[str, dict[str, Any]]]] = {
            MailKind.SIGN_IN: self._sign_in,
            MailKind.NEW_COMMENT: self._new_comment,
        }

    def __call__(self, notification: Notification) -> EmailMessage:
        subject, context = self._kinds[notification.kind](notification)
        message = EmailMessage(policy=POLICY)
        message["Subject"] = subject
        message["From"] = self._config.mail_from
        message["To"] = notification.recipient
        message["Date"] = format_datetime(notification.created)
        about = f"comment-{notification.comment.id}." if notification.comment else ""
        message["Message-ID"] = f"<{about}{notification.kind.value}-{notification.id}@{self._domain}>"
        message["Auto-Submitted"] = "auto-generated"
        template = f"email/{notification.kind.value}"
        message.set_content(self._templates.get_template(f"{template}.txt").render(context))
        message.add_alternative(self._templates.get_template(f"{template}.html").render(context), subtype="html")
        return message

    def _sign_in(self, notification: Notification) -> tuple[str, dict[str, Any]]:
        """A moderator asked for a link that signs in to the queue."""
        token = self._signin.mint(str(notification.payload["link"]))
        context = {
            "signin_url": f"{self._config.public_url}/queue/login/{token}",
            "queue_url": f"{self._config.public_url}/queue",
            "minutes": max(1, round(self._config.signin_ttl / 60)),
        }
        return "Your sign-in link for the moderation queue", context

    def _new_comment(self, notification: Notification) -> tuple[str, dict[str, Any]]:
        """One moderator is asked to approve or reject one comment."""
        comment = notification.comment
        assert comment is not None
        base = f"{self._config.public_url}/moderate/"
        links = {
            action: base + self._signer.mint(comment.id, action, notification.recipient) for action in LINK_ACTIONS
        }
        page_title = _one_line(comment.title or comment.thread)
        context = {
            "comment": comment,
            "page_title": page_title,
            "page_url": self._config.allowed_origins[0] + comment.thread,
            "approve_url": links[Action.APPROVE],
            "reject_url": links[Action.REJECT],
            "ttl_days": round(self._config.link_ttl / 86400, 1),
        }
        return f"New comment awaiting approval: {page_title}", context
