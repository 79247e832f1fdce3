"""What the service keeps under one email address, as its owner downloads it from /mydata: the
rows the store found by the address's index (store/my_data.py), and their JSON. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from .links import Links
from .models import JSON, utc_text

LINK_TTL = 86400.0  # a /mydata link works for a day


def _moment(seconds: float | None) -> str | None:
    return None if seconds is None else utc_text(datetime.fromtimestamp(seconds, UTC))


@dataclass(frozen=True)
class DataLink:
    """A /mydata link that still works: the address it was mailed to."""

    address: str
    address_key: str  # its index, by which every row below is found
    created: float


@dataclass(frozen=True)
class KeptComment:
    id: int
    thread: str
    title: str
    parent: int | None
    name: str
    website: str
    text: str
    state: str  # pending, approved, rejected or spam
    lang: str
    created: float
    decided: float | None


@dataclass(frozen=True)
class KeptSubscription:
    """An "email me" subscription of one of the address's comments."""

    comment_id: int
    state: str  # requested, waiting, active or ended
    created: float
    published: float | None
    confirmed: float | None
    ended: float | None


@dataclass(frozen=True)
class KeptMail:
    """A mail to the address in the outbox: its kind and how it went, never its text."""

    kind: str
    state: str  # pending, sent or failed
    comment_id: int | None
    created: float
    sent: float | None


@dataclass(frozen=True)
class Kept:
    """Everything kept under one address."""

    address: str
    comments: tuple[KeptComment, ...]
    subscriptions: tuple[KeptSubscription, ...]
    do_not_mail: tuple[float, ...]  # since when the address asked never to be mailed
    confirmations: tuple[tuple[float, float | None], ...]  # confirmation links: (sent, used)
    mails: tuple[KeptMail, ...]
    link_created: float  # the /mydata link this was asked through

    def document(self, links: Links, now: float) -> dict[str, JSON]:
        """The download: every row, its times as UTC text, each comment with the page it is on."""
        return {
            "address": self.address,
            "exported": _moment(now),
            "comments": [
                {
                    "id": comment.id,
                    "thread": comment.thread,
                    "page": links.thread_page(comment.thread),
                    "title": comment.title,
                    "parent": comment.parent,
                    "name": comment.name,
                    "website": comment.website,
                    "text": comment.text,
                    "state": comment.state,
                    "language": comment.lang,
                    "created": _moment(comment.created),
                    "decided": _moment(comment.decided),
                }
                for comment in self.comments
            ],
            "subscriptions": [
                {
                    "comment": subscription.comment_id,
                    "state": subscription.state,
                    "created": _moment(subscription.created),
                    "published": _moment(subscription.published),
                    "confirmed": _moment(subscription.confirmed),
                    "ended": _moment(subscription.ended),
                }
                for subscription in self.subscriptions
            ],
            "do_not_mail": [{"since": _moment(since)} for since in self.do_not_mail],
            "confirmation_links": [{"sent": _moment(sent), "used": _moment(used)} for sent, used in self.confirmations],
            "emails": [
                {
                    "kind": mail.kind,
                    "state": mail.state,
                    "comment": mail.comment_id,
                    "created": _moment(mail.created),
                    "sent": _moment(mail.sent),
                }
                for mail in self.mails
            ],
            "data_link": {"created": _moment(self.link_created)},
        }
