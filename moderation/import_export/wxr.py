"""A WordPress export (WXR 1.0 to 1.2): each <item> is a post or page, its <wp:comment>s inside."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from ..errors import InvalidRecord
from ..models import CommentStatus
from .records import Record, Skip, Unreadable, identifier
from .xml import child_text, elements, local

STATUSES = {"1": CommentStatus.APPROVED, "0": CommentStatus.PENDING, "spam": CommentStatus.SPAM}


def when(comment: Element) -> datetime:
    """comment_date_gmt is UTC; very old exports leave it zero, and then the local date is all there is."""
    value = child_text(comment, "comment_date_gmt")
    if not value or value.startswith("0000"):
        value = child_text(comment, "comment_date")
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        raise InvalidRecord(f"comment_date_gmt: {value[:40]!r} is not a time (YYYY-MM-DD HH:MM:SS)") from None


def read(path: Path) -> Iterator[Record | Unreadable]:
    number = 0
    for item in elements(path, 2):  # rss > channel > item
        if local(item.tag) != "item":
            continue
        try:
            url, title = child_text(item, "link"), child_text(item, "title")
        except InvalidRecord:
            url, title = "", ""  # its comments are reported, as having no page
        for comment in item:
            if local(comment.tag) == "comment":
                number += 1
                try:
                    yield record(comment, url, title, f"comment {number}")
                except InvalidRecord as invalid:
                    yield Unreadable(f"comment {number}", str(invalid))


def record(comment: Element, url: str, title: str, position: str) -> Record:
    approved = child_text(comment, "comment_approved")
    skip = None
    if child_text(comment, "comment_type") in ("pingback", "trackback"):
        skip = Skip.PINGBACK
    elif approved not in STATUSES:  # trash, post-trashed
        skip = Skip.TRASH
    parent = child_text(comment, "comment_parent")
    return Record(
        source_id=identifier(child_text(comment, "comment_id"), "comment_id"),
        url=url,
        title=title,
        parent_id=parent if parent not in ("", "0") else None,
        name=child_text(comment, "comment_author"),
        email=child_text(comment, "comment_author_email"),
        website=child_text(comment, "comment_author_url"),
        body=child_text(comment, "comment_content"),
        html=True,
        created=when(comment),
        status=STATUSES.get(approved, CommentStatus.PENDING),
        skip=skip,
        position=position,
    )
