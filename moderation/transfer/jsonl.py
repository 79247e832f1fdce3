"""This service's own export, read back: a header line, then one comment per line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..models import CommentStatus
from .records import Record

FORMAT = "moderation-export"
VERSION = 1


class NotAnExport(ValueError):
    pass


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def read(path: Path) -> Iterator[Record]:
    with path.open(encoding="utf-8") as lines:
        header = json.loads(lines.readline() or "{}")
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise NotAnExport(f"{path} is not a {FORMAT} file of version {VERSION}")
        for number, line in enumerate(lines, 2):
            if line.strip():
                try:
                    yield record(json.loads(line))
                except KeyError as missing:
                    raise NotAnExport(f"{path}, line {number}: no {missing}") from None


def record(item: dict[str, Any]) -> Record:
    return Record(
        source_id=str(item["id"]),
        url=item["thread"],
        title=item.get("title", ""),
        parent_id=str(item["parent"]) if item.get("parent") is not None else None,
        name=item["name"],
        email=item.get("email", ""),
        website=item.get("website", ""),
        body=item["body_html"],  # kept as it was published, through the sanitiser again
        html=True,
        created=when(item["created"]),
        status=CommentStatus(item["status"]),
        decided=when(item["decided"]) if item.get("decided") else None,
        avatar=item.get("avatar"),
        text=item.get("body", ""),
    )
