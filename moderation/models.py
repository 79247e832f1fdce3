"""The domain: comments and the mail waiting to go out. No I/O here."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from .classifier.model import Assessment
from .errors import BadCursor
from .holds import Hold


def utc_text(moment: datetime) -> str:
    """A moment as every answer, feed and webhook writes it: 2026-11-27T09:30:00Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# A value as JSON holds it: what json.loads gives, what json.dumps takes.
JSON = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None


class CommentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SPAM = "spam"
    WITHDRAWN = "withdrawn"  # its author took it back while it waited: emptied, shown to no one
    DELETED = "deleted"  # its author took it down once published: emptied, a placeholder for its replies


# The states an author's own link leaves a comment in: its words are gone, nothing more is done to it.
BY_AUTHOR = (CommentStatus.WITHDRAWN, CommentStatus.DELETED)


class Action(StrEnum):
    """What a moderator does to a comment: from which states, to which."""

    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    RESTORE = "restore"  # back to pending: a false positive of the spam checks, or a rejection undone
    REDACT = "redact"  # approve, each personal detail of the name and body replaced by "[removed]"

    @property
    def status(self) -> CommentStatus:
        return _LEADS_TO[self]

    @property
    def applies_to(self) -> tuple[CommentStatus, ...]:
        if self is Action.RESTORE:
            return (CommentStatus.SPAM, CommentStatus.REJECTED)
        return (CommentStatus.PENDING,)


_LEADS_TO = {
    Action.APPROVE: CommentStatus.APPROVED,
    Action.REDACT: CommentStatus.APPROVED,
    Action.REJECT: CommentStatus.REJECTED,
    Action.SPAM: CommentStatus.SPAM,
    Action.RESTORE: CommentStatus.PENDING,
}

# The actions an emailed link may carry.
LINK_ACTIONS = (Action.APPROVE, Action.REJECT)


class MailKind(StrEnum):
    """The kinds of mail in the outbox, each with its own composer (mail/compose.py)."""

    SIGN_IN = "sign_in"  # a moderator asked for a sign-in link: to that moderator
    NEW_COMMENT = "new_comment"  # a comment waits: to each moderator
    URGENT = "urgent"  # a comment of a reader who may be in crisis waits: to each moderator, at once
    DIGEST = "digest"  # what waits, listed: to one moderator, at most once per period
    PUBLISHED = "published"  # a reader's comment is published (and, maybe, "confirm"): to that reader
    REPLY = "reply"  # an approved reply to a reader's comment: to a confirmed subscriber
    MY_DATA = "my_data"  # someone asked at /mydata what is kept under an address: its link, to that address


# Mail to readers: its own sender address, List-Unsubscribe, and an end to the address's
# subscriptions if its server says the address does not exist.
READER_KINDS = (MailKind.PUBLISHED, MailKind.REPLY)
# Mail whose payload holds a link's token in clear until it is sent (store/outbox.py: SETTLED_PAYLOAD).
TOKEN_KINDS = (*READER_KINDS, MailKind.MY_DATA)


class Channel(StrEnum):
    """Through what a comment's state changed, for the audit log."""

    SUBMISSION = "submission"
    EMAIL_LINK = "email_link"
    DIGEST_LINK = "digest_link"
    QUEUE = "queue"
    CLI = "cli"
    IMPORT = "import"
    RETENTION = "retention"
    API = "api"  # a script with a bearer token (`moderation tokens`), the token's name as actor
    AUTHOR = "author"  # the commenter, through the private link of their own comment (/mine/)


# The mail a decision link may come from.
LINK_CHANNELS = (Channel.EMAIL_LINK, Channel.DIGEST_LINK)


SYSTEM = "system"  # the actor of what the service does by itself
CLI = "cli"  # the actor of the command line
AUTHOR = "author"  # the actor of what a commenter does through their own comment's private link
REMOVED = "removed"  # the state after `moderation forget`, in the audit log only


@dataclass(frozen=True)
class NewComment:
    """A validated submission, ready to be stored."""

    thread: str
    title: str  # the page's title as the submitter sent it
    name: str
    email: str
    website: str
    body: str
    body_html: str
    avatar: str
    parent: int | None = None
    remote_addr: str = ""
    status: CommentStatus = CommentStatus.PENDING
    holds: tuple[Hold, ...] = ()  # why the spam checks and rules held it or kept it as spam
    notify: bool = False  # the author ticked "email me"
    lang: str = ""  # the language of the page it was written on; "": the site's
    assessment: Assessment | None = None  # the spam classifier's; None: not scored (the site's, imports)
    manage_hash: str | None = None  # the hash of the author's private link's token (/mine/), if one was minted


class Stored(NamedTuple):
    """A submission as the store kept it."""

    id: int
    status: CommentStatus  # pending, or spam: by the checks, or as a text its page has already


@dataclass(frozen=True)
class Comment:
    id: int
    thread: str
    title: str  # the thread's: from its first approved comment or the operator; "" until then
    parent: int | None
    name: str
    email: str
    website: str
    avatar: str
    body: str
    body_html: str
    status: CommentStatus
    created: datetime
    holds: tuple[Hold, ...] = ()
    by_site: bool = False  # a reply the site posted from the queue
    lang: str = ""  # the language of the page it was written on; "": the site's (older rows, imports)
    submitted_title: str = ""  # the page's title as its writer sent it: for moderators' eyes only
    assessment: Assessment | None = None  # what the spam classifier made of it at submission
    edited: bool = False  # its author changed the text while it waited

    def public(self) -> dict[str, object]:
        """What readers may see: never the address. A deleted comment is only the place its
        replies hang from: nothing of what it said, or of who said it."""
        if self.status is CommentStatus.DELETED:
            return {
                "id": self.id,
                "parent": self.parent,
                "name": "",
                "website": None,
                "avatar": "",
                "body_html": "",
                "created": utc_text(self.created),
                "by_site": False,
                "deleted": True,
            }
        return {
            "id": self.id,
            "parent": self.parent,
            "name": self.name,
            "website": self.website or None,
            "avatar": self.avatar,
            "body_html": self.body_html,
            "created": utc_text(self.created),
            "by_site": self.by_site,
        }


@dataclass(frozen=True)
class ExportedComment:
    """One comment as `moderation export` writes it: times in Unix seconds, the address opened."""

    id: int
    thread: str
    title: str
    parent: int | None
    status: CommentStatus
    name: str
    email: str
    website: str
    avatar: str
    body: str
    body_html: str
    created: float
    decided: float | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log: a comment came in, changed state, or was removed."""

    comment: int
    from_status: CommentStatus | None  # None: a new comment
    to_status: str  # a CommentStatus, or REMOVED
    actor: str
    channel: Channel
    reason: str | None
    at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "comment": self.comment,
            "from": self.from_status,
            "to": self.to_status,
            "actor": self.actor,
            "channel": self.channel,
            "reason": self.reason,
            "at": utc_text(self.at),
        }


@dataclass(frozen=True)
class Decided:
    """What a decision did to one comment: changed it, or found it decided already (see `last`)."""

    comment: Comment
    changed: bool
    last: AuditEntry | None  # the entry that put the comment in its present state


class ByHand(StrEnum):
    """A site owner's word on a thread (`moderation threads close|open`), which wins over its age."""

    CLOSED = "closed"
    OPEN = "open"


DAY = 86400.0


@dataclass(frozen=True)
class ThreadState:
    """What one lookup of a thread's row tells: its version (the ETag's base) and whether it is closed."""

    version: int = 0
    first_comment_at: float | None = None  # Unix seconds; None: no comment yet
    by_hand: ByHand | None = None

    def closes_at(self, close_after_days: int | None) -> float | None:
        """When the thread closes by its age (Unix seconds), if it ever does."""
        if self.by_hand is not None or close_after_days is None or self.first_comment_at is None:
            return None
        return self.first_comment_at + close_after_days * DAY

    def closed(self, now: float, close_after_days: int | None) -> bool:
        if self.by_hand is not None:
            return self.by_hand is ByHand.CLOSED
        closes_at = self.closes_at(close_after_days)
        return closes_at is not None and now >= closes_at


@dataclass(frozen=True)
class Thread:
    key: str
    title: str
    state: ThreadState
    comments: list[Comment]

    @property
    def version(self) -> int:
        return self.state.version

    @property
    def published(self) -> int:
        """How many comments it shows: the placeholders of deleted ones do not count."""
        return sum(comment.status is not CommentStatus.DELETED for comment in self.comments)


@dataclass(frozen=True)
class Listing:
    """What a digest shows as it goes out: its comments as they are now, and how many wait in all."""

    comments: tuple[Comment, ...]
    waiting: int


@dataclass(frozen=True)
class Notification:
    """One mail claimed from the outbox for sending: its kind says which, and what it needs."""

    id: int
    kind: MailKind
    recipient: str
    attempts: int
    created: datetime
    comment: Comment | None  # the comment it is about, if it is about one
    # What else it needs, as the row's JSON holds it: mail/payloads.py reads it for its kind.
    payload: Mapping[str, object] = field(default_factory=dict)
    listing: Listing | None = None  # a digest's comments, read just before it is composed

    def __str__(self) -> str:
        about = f" for comment {self.comment.id}" if self.comment else ""
        return f"{self.kind} mail {self.id}{about}"


@dataclass(frozen=True)
class Webhook:
    """One webhook claimed for delivery: the body exactly as every try sends it."""

    id: int
    url: str
    event: str
    comment_id: int | None
    body: str
    attempts: int
    created: datetime

    def __str__(self) -> str:
        return f"{self.event} webhook {self.id} for comment {self.comment_id}"


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
    reader_mail: int = 0  # unsent mail to the address as a reader
    subscriptions: int = 0  # its "email me" subscriptions


@dataclass(frozen=True)
class SigninLink:
    """An emailed sign-in link: good once, until it expires."""

    id: str
    moderator: str
    expires: float  # Unix seconds
    used: bool


@dataclass(frozen=True)
class ModeratorSession:
    """A signed-in moderator, kept on the server; the cookie holds only a random value."""

    key: str  # the row's id: a hash of the cookie's value
    moderator: str
    flash: str | None  # what the last decision did (JSON), taken when read


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, and where the next one starts (None: this is the last)."""

    comments: list[Comment]
    next_cursor: str | None


@dataclass(frozen=True)
class ApiToken:
    """A bearer token of the moderation API as `moderation tokens list` shows it: never the token."""

    name: str
    created: datetime
    last_used: datetime | None


class Sort(StrEnum):
    """The order of a tab of the queue. Comments never scored (the site's, imports) come last in
    both orders by score."""

    OLDEST = "oldest"  # by arrival: pending oldest first, the other tabs newest first
    LIKELY_OK = "likely_ok"  # lowest spam score first
    LIKELY_SPAM = "likely_spam"  # highest spam score first


@dataclass(frozen=True)
class Cursor:
    """A page's start: the sort key and id of the last row before it, in the order it was sorted by."""

    sort: Sort
    key: float  # the arrival's timestamp, or the score's place in the order
    id: int

    def __str__(self) -> str:
        # The key's repr: a float survives it exactly. By arrival, the form pages always had.
        start = f"{self.key!r}:{self.id}"
        return start if self.sort is Sort.OLDEST else f"{self.sort.value}:{start}"


def parse_cursor(cursor: str, sort: Sort) -> Cursor:
    """A cursor the queue gave for this sort; BadCursor for any other (or another sort's)."""
    prefix = "" if sort is Sort.OLDEST else f"{sort.value}:"
    if not cursor.startswith(prefix):
        raise BadCursor(cursor)
    key, _, id_ = cursor.removeprefix(prefix).partition(":")
    try:
        parsed = Cursor(sort, float(key), int(id_))
    except ValueError:
        raise BadCursor(cursor) from None
    if not math.isfinite(parsed.key):
        raise BadCursor(cursor)
    return parsed


class Confirmed(StrEnum):
    """What a confirmation link's POST did (or its GET would do)."""

    OPEN = "open"  # not used yet: the GET shows the button
    CONFIRMED = "confirmed"  # this POST activated the address's waiting subscriptions
    ALREADY = "already"  # used before: nothing changes
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # never made here (or the address was forgotten)
    REFUSED = "refused"  # the address asked never to be mailed again


@dataclass(frozen=True)
class Unsubscribed:
    """What an unsubscribe link found: whether the subscription is over, and the page it was for."""

    found: bool
    ended: bool = False
    never: bool = False  # the address is on the do-not-mail list
    thread: str = ""  # the page of the comment it was about
