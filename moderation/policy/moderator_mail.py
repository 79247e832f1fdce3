"""Mail to moderators as things happen: one per comment that waits, when they want it at once.

In digest modes (MODERATION_NOTIFY=hourly or daily) nothing is written now: the digest lists the
comment (mail/digests.py). Spam is kept for a look, never mailed. The burst cap folds mail at
sending time, not here.
"""

from __future__ import annotations

from ..config import Config, NotifyMode
from ..events import CommentSubmitted, Event
from ..models import CommentStatus, MailKind
from .writes import Mail


def follow(event: Event, config: Config) -> list[Mail]:
    if not isinstance(event, CommentSubmitted):
        return []
    if event.comment.status is not CommentStatus.PENDING or config.notify is not NotifyMode.IMMEDIATE:
        return []
    return [Mail(MailKind.NEW_COMMENT, moderator, comment_id=event.comment.id) for moderator in config.moderators]
