"""What every format reader yields: one comment as its source had it, before any mapping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ..models import CommentStatus


class Skip(StrEnum):
    """Why a source comment is not imported; the report counts each."""

    DELETED = "deleted"
    TRASH = "trash"
    PINGBACK = "pingback or trackback"
    EMPTY = "empty body"
    NO_PAGE = "no page"


@dataclass(frozen=True)
class Record:
    source_id: str
    url: str  # the page's URL, or its path
    title: str
    parent_id: str | None  # the source's id of the parent
    name: str
    email: str
    website: str
    body: str  # HTML when `html`, else Markdown as a reader would type it
    html: bool
    created: datetime  # aware, UTC
    status: CommentStatus
    skip: Skip | None = None
    decided: datetime | None = None
    avatar: str | None = None  # our own export's, used when there is no address to derive it from
    text: str = ""  # our own export's plain body, kept beside its HTML
