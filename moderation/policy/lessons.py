"""What each decision teaches the spam classifier: an approval, a good comment; marking as spam,
a spam one; restoring from spam corrects to good. A rejection teaches nothing (off topic is not
spam), nor do the spam checks at submission, nor the site's own replies, nor an author's withdrawal,
edit or deletion."""

from __future__ import annotations

from ..classifier.features import features
from ..classifier.model import Label
from ..events import CommentDecided, Event
from ..models import Channel, Comment, CommentStatus
from .writes import Lesson


def follow(event: Event) -> list[Lesson]:
    if not isinstance(event, CommentDecided) or event.comment.by_site:
        return []
    label = label_of(event.before, event.action.status, event.channel)
    return [] if label is None else [lesson(event.comment, label)]


def label_of(before: CommentStatus | None, after: str, channel: Channel) -> Label | None:
    """What a change of state (as the audit log has it) teaches; an imported comment teaches
    what its old system's moderators decided. What an author does to their own comment teaches
    nothing: taking it back says nothing of spam."""
    if channel is Channel.AUTHOR:
        return None
    if after == CommentStatus.APPROVED:
        return Label.HAM
    if after == CommentStatus.SPAM and channel is not Channel.SUBMISSION:
        return Label.SPAM
    if before is CommentStatus.SPAM and after == CommentStatus.PENDING:
        return Label.HAM
    return None


def lesson(comment: Comment, label: Label) -> Lesson:
    found = features(comment.name, comment.website, comment.body)
    return Lesson(comment.id, tuple(feature.key for feature in found), label)
