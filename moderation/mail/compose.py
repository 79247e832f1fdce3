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
from ..models import LINK_ACTIONS, Action, Channel, Comment, CommentStatus, MailKind, Notification
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


EXCERPT = 600  # characters of each comment in a digest: enough to judge most, the page has the rest


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + " [...]"


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
            MailKind.DIGEST: self._digest,
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

    def _digest(self, notification: Notification) -> tuple[str, dict[str, Any]]:
        """One moderator's list of what waits, from the comments' state as it goes out.

        A comment decided since the digest was written stays in it, marked decided and without
        links: the list is what the digest was about, and a link would only lead to "already
        decided". The count says how many wait now.
        """
        listing = notification.listing
        assert listing is not None, "the sender reads a digest's comments before composing it"
        items = [self._digest_item(comment, notification.recipient) for comment in listing.comments]
        still = sum(1 for comment in listing.comments if comment.status is CommentStatus.PENDING)
        context = {
            "burst": notification.payload["mode"] == "burst",
            "items": items,
            "waiting": listing.waiting,
            "not_listed": max(0, listing.waiting - still),
            "queue_url": f"{self._config.public_url}/queue",
            "cap": self._config.burst_cap,
            "ttl_days": round(self._config.link_ttl / 86400, 1),
        }
        if context["burst"]:
            subject = f"{len(items)} more comment{'' if len(items) == 1 else 's'} awaiting approval, from a busy hour"
        else:
            subject = f"{listing.waiting} comment{'' if listing.waiting == 1 else 's'} awaiting approval"
        return subject, context

    def _digest_item(self, comment: Comment, moderator: str) -> dict[str, Any]:
        base = f"{self._config.public_url}/moderate/"
        pending = comment.status is CommentStatus.PENDING
        return {
            "comment": comment,
            "pending": pending,
            "page_title": _one_line(comment.title or comment.thread),
            "page_url": self._config.allowed_origins[0] + comment.thread,
            "excerpt": _excerpt(comment.body),
            "created": comment.created.strftime("%Y-%m-%d %H:%M UTC"),
            "approve_url": base + self._signer.mint(comment.id, Action.APPROVE, moderator, Channel.DIGEST_LINK),
            "reject_url": base + self._signer.mint(comment.id, Action.REJECT, moderator, Channel.DIGEST_LINK),
        }
