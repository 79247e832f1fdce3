"""Who hears about what: the one place that decides which mail an event writes to the outbox."""

from __future__ import annotations

from ..config import Config, NotifyMode
from ..models import CommentStatus


def moderators_to_tell(config: Config, status: CommentStatus) -> tuple[str, ...]:
    """Who gets a mail about this one comment now.

    A comment that waits goes to every moderator, unless they asked for digests (hourly or
    daily): then the digest lists it and nothing is written now (mail/digests.py). Spam is kept
    for a look, never mailed.
    """
    if status is not CommentStatus.PENDING or config.notify is not NotifyMode.IMMEDIATE:
        return ()
    return config.moderators
