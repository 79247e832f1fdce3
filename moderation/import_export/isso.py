"""An Isso database (SQLite): threads (id, uri, title) and comments, whose `mode` is 1 approved,
2 pending, 4 deleted. Isso keeps the text as the reader typed it, Markdown like ours."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ..errors import InvalidRecord
from ..models import CommentStatus
from .records import MAX_FIELD, Record, Skip, Unreadable, identifier, moment, required_text, text

STATUSES = {1: CommentStatus.APPROVED, 2: CommentStatus.PENDING}
DELETED = 4
COLUMNS = ("c.id", "t.uri", "t.title", "c.parent", "c.author", "c.email", "c.website", "c.text", "c.created", "c.mode")
# SQLite keeps whatever a column is given: each value comes with its type, and a text or blob
# over MAX_FIELD bytes as NULL (its type still says what it was), never whole.
SELECT = ", ".join(
    f"typeof({column}), CASE WHEN length(CAST({column} AS BLOB)) > {MAX_FIELD} THEN NULL ELSE {column} END"
    for column in COLUMNS
)


def read(path: Path) -> Iterator[Record | Unreadable]:
    # Read-only, by URI: a mistyped path is an error, never a new empty database.
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        db.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")  # bad bytes: refused per comment
        rows = db.execute(f"SELECT {SELECT} FROM comments c JOIN threads t ON t.id = c.tid ORDER BY c.id")
        for number, row in enumerate(rows, 1):
            values, types = dict(zip(COLUMNS, row[1::2], strict=True)), dict(zip(COLUMNS, row[::2], strict=True))
            position = f"comment {values['c.id']}" if isinstance(values["c.id"], int) else f"row {number}"
            try:
                yield record(values, types, position)
            except InvalidRecord as invalid:
                yield Unreadable(position, str(invalid))


def record(values: dict[str, object], types: dict[str, str], position: str) -> Record:
    for column, kind in types.items():
        if values[column] is None and kind != "null":
            raise InvalidRecord(f"{column.split('.')[1]}: over {MAX_FIELD:,} bytes")
    id_, mode, parent = values["c.id"], values["c.mode"], values["c.parent"]
    if mode is not None and (isinstance(mode, bool) or not isinstance(mode, int)):
        raise InvalidRecord(f"mode: {type(mode).__name__} where a number belongs")
    return Record(
        source_id=identifier(id_, "id"),
        url=required_text(values["t.uri"], "uri"),
        title=text(values["t.title"], "title"),
        parent_id=identifier(parent, "parent") if parent is not None else None,
        name=text(values["c.author"], "author"),
        email=text(values["c.email"], "email"),
        website=text(values["c.website"], "website"),
        body=text(values["c.text"], "text"),
        html=False,
        created=moment(values["c.created"], "created"),
        status=STATUSES.get(mode, CommentStatus.PENDING) if isinstance(mode, int) else CommentStatus.PENDING,
        skip=Skip.DELETED if mode == DELETED else None,
        position=position,
    )
