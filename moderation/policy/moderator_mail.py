"""Mail to moderators as things happen: one per comment that waits, when they want it at once.

In digest modes (MODERATION_NOTIFY=hourly or daily) nothing is written now: the digest lists the
comment (mail/digests.py). Spam is kept for a look, never mailed. The burst cap folds mail at
sending time, not here. A reader in crisis cannot wait for any of that: its comment is mailed to
every moderator at once as urgent, in every mode, and the burst cap lets urgent mail through;
so is a waiting comment whose author's edit made it speak of a crisis. Any other edit is seen on
the links and the queue, which show the text as it now is.
"""

from __future__ import annotations

from ..config import Config, NotifyMode
from ..events import AuthorChanged, CommentSubmitted, Event
from ..models import CommentStatus, MailKind
from ..safety.screening import is_crisis
from .writes import Mail


def follow(event: Event, config: Config) -> list[Mail]:
    if isinstance(event, AuthorChanged):
        return _edited_into_crisis(event, config)
    if not isinstance(event, CommentSubmitted) or event.comment.status is not CommentStatus.PENDING:
        return []
    if is_crisis(event.comment.holds):
        kind = MailKind.URGENT  # instead of the usual mail; still listed in digests as usual
    elif config.notify is NotifyMode.IMMEDIATE:
        kind = MailKind.NEW_COMMENT
    else:
        return []
    return [Mail(kind, moderator, comment_id=event.comment.id) for moderator in config.moderators]


def _edited_into_crisis(event: AuthorChanged, config: Config) -> list[Mail]:
    comment = event.comment
    if comment.status is not CommentStatus.PENDING or event.was_crisis or not is_crisis(comment.holds):
        return []
    return [Mail(MailKind.URGENT, moderator, comment_id=comment.id) for moderator in config.moderators]
