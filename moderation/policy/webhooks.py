"""Webhooks: every comment's new state, to every configured URL (MODERATION_WEBHOOKS).

A submission (spam included), a decision that changed a comment, the site's reply and what an
author did to their own comment (withdrawn, edited, deleted) each send the comment as it now is;
the wire format is webhooks/events.py's. Until it is published, a comment's personal details are
markers in it (safety/screening.py): a receiver is no queue.
"""

from __future__ import annotations

from ..config import Config
from ..events import AuthorChanged, CommentDecided, CommentSubmitted, Event, SiteReplied
from ..links import Links
from ..models import Comment, CommentStatus
from ..safety.screening import marker, masked
from ..webhooks.events import body, event_of
from .writes import Hook


def follow(event: Event, config: Config, links: Links) -> list[Hook]:
    comment = _changed(event)
    if comment is None or not config.webhooks:  # masking reads the text again: only for a hook
        return []
    queue_url = links.absolute(links.queue())
    if comment.status is not CommentStatus.APPROVED:  # approved: as a moderator published it
        comment = masked(comment, config.language, marker(None)) or comment
    name = event.event if isinstance(event, AuthorChanged) else event_of(comment.status)
    return [Hook(url, name, comment.id, body(comment, queue_url, name)) for url in config.webhooks]


def _changed(event: Event) -> Comment | None:
    if isinstance(event, CommentSubmitted | CommentDecided | AuthorChanged):
        return event.comment
    if isinstance(event, SiteReplied):
        return event.reply
    return None
