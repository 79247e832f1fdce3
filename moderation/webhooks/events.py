"""What a webhook says: its event, its body and its signature. No I/O here.

A body tells what a moderator could see on the public page and the queue's address, never an
email address or a decision link: a receiver (a chat channel, a log) is not a moderator's inbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from ..models import Comment, CommentStatus, utc_text

SIGNATURE_HEADER = "X-Moderation-Signature"


def event_of(status: CommentStatus) -> str:
    """A comment's new state names its event: a submission, a decision or a restore alike."""
    return f"comment.{status.value}"


def body(comment: Comment, queue_url: str, event: str | None = None) -> str:
    """The JSON sent, written once when the event is: every try sends these same bytes. `event`:
    one that the comment's state does not name (`comment.edited`)."""
    return json.dumps(
        {
            "event": event or event_of(comment.status),
            "id": comment.id,
            "thread": comment.thread,
            "title": comment.title,
            "name": comment.name,
            "body_html": comment.body_html,
            "status": comment.status.value,
            "created": utc_text(comment.created),
            "queue_url": queue_url,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The header's value: t=UNIX_TIME,v1=HMAC-SHA256(secret, "t." + the exact body), in hex."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"
