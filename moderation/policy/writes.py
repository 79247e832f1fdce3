"""What the policy is given besides an event (facts the store looked up in the change's own
transaction) and what it returns (rows to write in that transaction). No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..classifier.model import Label
from ..mail.payloads import Payload
from ..models import MailKind


@dataclass(frozen=True)
class Mail:
    """One outbox mail, its payload as it is stored; with `dedupe`, only if no mail has that key yet."""

    kind: MailKind
    recipient: str
    comment_id: int | None = None
    payload: Payload | None = None  # None: the mail carries nothing besides its comment
    dedupe: str | None = None


@dataclass(frozen=True)
class ReaderMail:
    """One mail to a reader: its links' tokens are minted as it is written, stored only hashed."""

    kind: MailKind  # PUBLISHED or REPLY
    recipient: str
    comment_id: int
    subscription_id: int  # what its unsubscribe link ends
    confirm: str | None = None  # the address key a confirmation link starts the subscriptions of
    lang: str = ""  # a reply's: the subscriber's own comment's language


@dataclass(frozen=True)
class Hook:
    """One webhook to one URL, its body written once: every try sends these same bytes."""

    url: str
    event: str
    comment_id: int
    body: str


@dataclass(frozen=True)
class Lesson:
    """What a decision teaches the spam classifier about one comment: the keys of its features."""

    comment_id: int
    keys: tuple[int, ...]
    label: Label


Write = Mail | ReaderMail | Hook | Lesson


class Subscribed(StrEnum):
    """Where a subscription stands once its comment is published."""

    ENDED = "ended"  # the address asked never to be mailed
    ACTIVE = "active"  # the address confirmed before: no second opt-in
    CONFIRM = "confirm"  # waits for a confirmation, and today's confirmation mail is its to send
    WAITING = "waiting"  # waits for the confirmation mail the address got today


@dataclass(frozen=True)
class Published:
    """A subscribed comment just published: its author, and where the subscription stands."""

    comment_id: int
    subscription_id: int
    address: str
    address_key: str
    state: Subscribed


@dataclass(frozen=True)
class Subscriber:
    """The subscriber of the comment a published reply answers."""

    reply_id: int
    subscription_id: int
    address: str
    lang: str  # of the subscriber's own comment
    own: bool  # the reply is by the subscriber's own address
    never: bool  # the address asked never to be mailed


@dataclass(frozen=True)
class Facts:
    """What the store looked up for one event, in its transaction."""

    published: tuple[Published, ...] = field(default=())
    subscribers: tuple[Subscriber, ...] = field(default=())


NO_FACTS = Facts()
