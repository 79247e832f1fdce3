"""Mail to readers, with a publication: its author hears (if they asked, and confirmed or are
asked to confirm), and the subscriber of the comment it answers hears of a reply.

The subscriptions' own rules stay with their rows (store/readers.py): how a subscription moves
once published, and the one confirmation mail per address per day, claimed race-free there.
"""

from __future__ import annotations

from ..events import CommentDecided, Event, SiteReplied
from ..models import CommentStatus, MailKind
from .writes import Facts, Published, ReaderMail, Subscribed, Subscriber


def follow(event: Event, facts: Facts) -> list[ReaderMail]:
    # Approved as it was, or redacted: the mail carries only the text that was published.
    approved = isinstance(event, CommentDecided) and event.action.status is CommentStatus.APPROVED
    published = isinstance(event, SiteReplied) or approved
    if not published:
        return []
    return [
        *(mail for mail in map(_to_author, facts.published) if mail is not None),
        *(_to_subscriber(subscriber) for subscriber in facts.subscribers if _wants(subscriber)),
    ]


def _to_author(published: Published) -> ReaderMail | None:
    if published.state is Subscribed.ACTIVE:
        confirm = None
    elif published.state is Subscribed.CONFIRM:
        confirm = published.address_key
    else:
        return None
    return ReaderMail(MailKind.PUBLISHED, published.address, published.comment_id, published.subscription_id, confirm)


def _wants(subscriber: Subscriber) -> bool:
    # Nobody hears of their own reply, nor does an address that asked never to be mailed.
    return not subscriber.own and not subscriber.never


def _to_subscriber(subscriber: Subscriber) -> ReaderMail:
    return ReaderMail(
        MailKind.REPLY, subscriber.address, subscriber.reply_id, subscriber.subscription_id, lang=subscriber.lang
    )
