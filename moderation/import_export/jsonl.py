"""This service's own export, read back: a header line, then one comment per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from ..errors import InvalidRecord, NotAnExport
from ..models import BY_AUTHOR, JSON, CommentStatus
from .records import MAX_FIELD, Record, Unreadable, identifier, required_text, text

FORMAT = "moderation-export"
VERSION = 1
# A line holds one comment, its body twice (text and HTML): longer ones are not read whole.
MAX_LINE = 4 * MAX_FIELD


def when(value: object, field: str) -> datetime:
    found = required_text(value, field)
    try:
        return datetime.fromisoformat(found.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise InvalidRecord(f"{field}: {found[:40]!r} is not a time (ISO 8601)") from None


def lines(file: TextIO) -> Iterator[tuple[int, str | None]]:
    """Each line with its number; None for one over MAX_LINE characters, which is skipped unread."""
    number = 0
    while line := file.readline(MAX_LINE):
        number += 1
        if len(line) == MAX_LINE and not line.endswith("\n"):
            while (rest := file.readline(MAX_LINE)) and not rest.endswith("\n"):
                pass
            yield number, None
        else:
            yield number, line


def read(path: Path) -> Iterator[Record | Unreadable]:
    # Bytes that are not UTF-8 come through as lone surrogates, which the checks refuse per comment.
    with path.open(encoding="utf-8", errors="surrogateescape") as file:
        numbered = lines(file)
        first = next(numbered, (1, "{}"))[1]
        try:
            header = json.loads(first or "{}")
        except (ValueError, RecursionError):
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("version") != VERSION:
            raise NotAnExport(f"{path} is not a {FORMAT} file of version {VERSION}")
        for number, line in numbered:
            position = f"line {number}"
            if line is None:
                yield Unreadable(position, f"over {MAX_LINE:,} characters")
            elif line.strip():
                try:
                    yield record(parse(line), position)
                except InvalidRecord as invalid:
                    yield Unreadable(position, str(invalid))


def parse(line: str) -> dict[str, JSON]:
    try:
        item = json.loads(line)
    except RecursionError:
        raise InvalidRecord("nested too deep") from None
    except ValueError as error:  # not JSON, or a number of thousands of digits
        raise InvalidRecord(f"not JSON ({str(error).split(':')[0]})") from None
    if not isinstance(item, dict):
        raise InvalidRecord(f"{type(item).__name__} where a comment (an object) belongs")
    return item


def record(item: dict[str, JSON], position: str) -> Record:
    status = item.get("status")
    if status is None:
        raise InvalidRecord("status: missing")
    # Withdrawn and deleted are what an author's own link leaves here, never what a file brings.
    kept = [value for value in CommentStatus if value not in BY_AUTHOR]
    if status not in kept:
        raise InvalidRecord(f"status: {str(status)[:40]!r} is none of {', '.join(kept)}")
    avatar = item.get("avatar")
    return Record(
        source_id=identifier(item.get("id"), "id"),
        url=required_text(item.get("thread"), "thread"),
        title=text(item.get("title"), "title"),
        parent_id=identifier(item["parent"], "parent") if item.get("parent") is not None else None,
        name=text(item.get("name"), "name"),
        email=text(item.get("email"), "email"),
        website=text(item.get("website"), "website"),
        body=required_text(item.get("body_html"), "body_html"),  # as it was published, through the sanitiser again
        html=True,
        created=when(item.get("created"), "created"),
        status=CommentStatus(status),
        decided=when(item["decided"], "decided") if item.get("decided") else None,
        avatar=text(avatar, "avatar") if avatar is not None else None,
        text=text(item.get("body"), "body"),
        position=position,
    )
