"""An Isso database (SQLite): threads (id, uri, title) and comments, whose `mode` is 1 approved,
2 pending, 4 deleted. Isso keeps the text as the reader typed it, Markdown like ours."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..models import CommentStatus
from .records import Record, Skip

STATUSES = {1: CommentStatus.APPROVED, 2: CommentStatus.PENDING}


def read(path: Path) -> Iterator[Record]:
    # Read-only, by URI: a mistyped path is an error, never a new empty database.
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT c.id, t.uri, COALESCE(t.title, ''), c.parent, COALESCE(c.author, ''),"
            " COALESCE(c.email, ''), COALESCE(c.website, ''), COALESCE(c.text, ''), c.created, c.mode"
            " FROM comments c JOIN threads t ON t.id = c.tid ORDER BY c.id"
        )
        for id_, uri, title, parent, author, email, website, text, created, mode in rows:
            yield Record(
                source_id=str(id_),
                url=uri,
                title=title,
                parent_id=str(parent) if parent is not None else None,
                name=author,
                email=email,
                website=website,
                body=text,
                html=False,
                created=datetime.fromtimestamp(created, UTC),
                status=STATUSES.get(mode, CommentStatus.PENDING),
                skip=Skip.DELETED if mode == 4 else None,
            )
