"""What happens to comments and moderators, as the store saw it happen: frozen facts, no I/O.

The store builds one in the transaction that made the change, and the policy (policy/) says what
follows from it; nothing else decides who hears about anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import BY_AUTHOR, Action, Channel, Comment, CommentStatus


@dataclass(frozen=True)
class CommentSubmitted:
    """A reader's comment was stored: pending, or held as spam."""

    comment: Comment


@dataclass(frozen=True)
class CommentDecided:
    """A moderator's action changed a comment."""

    comment: Comment  # as it now is
    before: CommentStatus
    action: Action
    actor: str
    channel: Channel


@dataclass(frozen=True)
class SiteReplied:
    """The site published its own reply under a comment, approved with it."""

    reply: Comment
    actor: str


@dataclass(frozen=True)
class AuthorChanged:
    """A commenter withdrew, edited or deleted their own comment through its private link."""

    comment: Comment  # as it now is: emptied if withdrawn or deleted, re-screened if edited
    before: CommentStatus
    was_crisis: bool = False  # an edit: whether the text before it spoke of a crisis

    @property
    def event(self) -> str:
        """The webhook's event: the state it is left in, or `edited` when it still waits (or is spam)."""
        status = self.comment.status
        return f"comment.{status.value}" if status in BY_AUTHOR else "comment.edited"


@dataclass(frozen=True)
class SigninRequested:
    """A moderator asked for a sign-in link, and it was stored."""

    moderator: str
    link_id: str


@dataclass(frozen=True)
class DataRequested:
    """Someone asked at /mydata what is kept under an address that has something kept, and the
    day's link for it was stored (store/my_data.py)."""

    address: str
    token: str  # the link's, in clear only until its mail is sent
    lang: str  # the page's, which the mail and the link's page speak


Event = CommentSubmitted | CommentDecided | SiteReplied | AuthorChanged | SigninRequested | DataRequested
