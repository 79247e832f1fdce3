"""Who hears about what: the one place that decides which mail an event writes to the outbox."""

from __future__ import annotations

from ..config import Config
from ..models import CommentStatus


def moderators_to_tell(config: Config, status: CommentStatus) -> tuple[str, ...]:
    """A comment that waits for approval goes to every moderator; spam is kept for a look, never mailed."""
    return config.moderators if status is CommentStatus.PENDING else ()
