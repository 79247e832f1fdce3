"""`moderation export`: a header line, then one JSON line per comment, oldest first."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

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
    while rows := await store.export_page(after, PAGE, statuses):
        for id_, thread, title, parent, status, name, email, website, avatar, body, body_html, created, decided in rows:
            line: dict[str, object] = {
                "id": id_,
                "thread": thread,
                "title": title,
                "parent": parent,
                "status": status,
                "name": name,
                "website": website,
                "avatar": avatar,
                "body": body,
                "body_html": body_html,
                "created": stamp(created),
                "decided": stamp(decided),
            }
            if include_email:
                line["email"] = email
            print(json.dumps(line, ensure_ascii=False), file=out)
            count += 1
        after = rows[-1][0]
    return count


def private_file(path: Path) -> TextIO:
    """A new file only its owner can read, created so from the start: no moment of wider access."""
    if path.exists():
        path.unlink()  # an older export may have been readable by others: it is replaced, not reused
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")
