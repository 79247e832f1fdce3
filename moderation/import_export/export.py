"""`moderation export`: a header line, then one JSON line per comment, oldest first."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ..models import ExportedComment
from ..store import Store
from .jsonl import FORMAT, VERSION

PAGE = 1000


def stamp(seconds: float | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


async def write(store: Store, out: TextIO, statuses: Sequence[str], include_email: bool) -> int:
    """Every comment (of those statuses) to `out`; how many. Subscriptions never: consent does not travel."""
    exported = stamp(datetime.now(UTC).timestamp())
    header = {"format": FORMAT, "version": VERSION, "exported": exported, "addresses": include_email}
    print(json.dumps(header), file=out)
    after, count = 0, 0
    while comments := await store.exports.page(after, PAGE, statuses):
        for comment in comments:
            print(json.dumps(line_of(comment, include_email), ensure_ascii=False), file=out)
            count += 1
        after = comments[-1].id
    return count


def line_of(comment: ExportedComment, include_email: bool) -> dict[str, object]:
    line: dict[str, object] = {
        "id": comment.id,
        "thread": comment.thread,
        "title": comment.title,
        "parent": comment.parent,
        "status": comment.status,
        "name": comment.name,
        "website": comment.website,
        "avatar": comment.avatar,
        "body": comment.body,
        "body_html": comment.body_html,
        "created": stamp(comment.created),
        "decided": stamp(comment.decided),
    }
    if include_email:
        line["email"] = comment.email
    return line


def private_file(path: Path) -> TextIO:
    """A new file only its owner can read, created so from the start: no moment of wider access."""
    if path.exists():
        path.unlink()  # an older export may have been readable by others: it is replaced, not reused
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")
