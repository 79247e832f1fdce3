"""The domain: comments and the mail waiting to go out. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CommentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"


class Action(StrEnum):
    """What a moderation link does, and the status it leads to."""

    APPROVE = "approve"
    REJECT = "reject"

    @property
    def status(self) -> CommentStatus:
        return CommentStatus.APPROVED if self is Action.APPROVE else CommentStatus.REJECTED


@dataclass(frozen=True)
class NewComment:
    """A validated submission, ready to be stored."""

    thread: str
    title: str
    name: str
    email: str
    website: str
    body: str
    body_html: str
    avatar: str
    parent: int | None = None
    remote_addr: str = ""
    status: CommentStatus = CommentStatus.PENDING
    flags: str = ""  # why spam checks held it or kept it as spam


@dataclass(frozen=True)
class Comment:
    id: int
    thread: str
    title: str
    parent: int | None
    name: str
    email: str
    website: str
    avatar: str
    body: str
    body_html: str
    status: CommentStatus
    created: datetime
    flags: str = ""

    def public(self) -> dict[str, object]:
        """What readers may see: never the address."""
        return {
            "id": self.id,
            "parent": self.parent,
            "name": self.name,
            "website": self.website or None,
            "avatar": self.avatar,
            "body_html": self.body_html,
            "created": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


@dataclass(frozen=True)
class Thread:
    key: str
    title: str
    version: int
    comments: list[Comment]


@dataclass(frozen=True)
class Notification:
    """One moderator email for one comment, claimed from the outbox for sending."""

    id: int
    recipient: str
    attempts: int
    created: datetime
    comment: Comment


@dataclass(frozen=True)
class Backlog:
    pending: int
    failed: int
    oldest_pending_seconds: float | None


@dataclass(frozen=True)
class Forgotten:
    """What `moderation forget` removed for one address."""

    comments: int
    published: int
    notifications: int
