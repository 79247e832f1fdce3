"""What every format reader yields: one comment as its source had it, before any mapping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ..errors import InvalidRecord
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
    position: str = ""  # where it is in its file, for the report: "line 7", "comment 12"


@dataclass(frozen=True)
class Unreadable:
    """A source comment that is not what its format says: reported by its position, and skipped."""

    position: str
    problem: str


# No field of a comment needs more: a body of 10,000 characters is 40 kB of UTF-8 at most, and
# its HTML a few times that. Longer ones are refused before they are held whole.
MAX_FIELD = 1_000_000


def text(value: object, field: str) -> str:
    """A text field of a source comment: a missing one (null) is empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidRecord(f"{field}: {type(value).__name__} where text belongs")
    if len(value) > MAX_FIELD:
        raise InvalidRecord(f"{field}: over {MAX_FIELD:,} characters")
    return value


def required_text(value: object, field: str) -> str:
    found = text(value, field)
    if not found:
        raise InvalidRecord(f"{field}: missing")
    return found


def moment(seconds: object, field: str) -> datetime:
    """A time given as Unix seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidRecord(f"{field}: {type(seconds).__name__} where a time (Unix seconds) belongs")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidRecord(f"{field}: {seconds!r} is not a time") from None


def identifier(value: object, field: str) -> str:
    """An id of the source (a number or a text), as text."""
    if value is None or value == "":
        raise InvalidRecord(f"{field}: missing")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidRecord(f"{field}: {type(value).__name__} where an id belongs")
    if isinstance(value, int) and abs(value) >= 10**100:  # nor would str() write one of 5,000 digits
        raise InvalidRecord(f"{field}: over 100 digits")
    found = str(value)
    if len(found) > 100:
        raise InvalidRecord(f"{field}: over 100 characters")
    return found
