"""A Disqus XML export: <thread>s (the pages) and <post>s (the comments), in any order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from ..errors import InvalidRecord
from ..models import CommentStatus
from .records import Record, Skip, Unreadable, identifier
from .xml import child, child_text, elements, local

DSQ_ID = "{http://disqus.com/disqus-internals}id"


def when(value: str) -> datetime:
    """Disqus writes UTC as 2012-03-04T05:06:07Z."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise InvalidRecord(f"createdAt: {value[:40]!r} is not a time (ISO 8601)") from None


def read(path: Path) -> Iterator[Record | Unreadable]:
    # Posts name their page by its Disqus id, and the page may come later in the file: a first
    # scan learns the pages (few and small), a second hands over the posts one at a time.
    pages: dict[str, tuple[str, str]] = {}
    for element in elements(path, 1):
        if local(element.tag) == "thread":
            try:
                pages[element.get(DSQ_ID, "")] = (child_text(element, "link"), child_text(element, "title"))
            except InvalidRecord:
                pass  # a page too long to be one: its posts are reported, as having no page
    posts = (element for element in elements(path, 1) if local(element.tag) == "post")
    for number, element in enumerate(posts, 1):
        try:
            record = post(element, f"post {number}")
        except InvalidRecord as invalid:
            yield Unreadable(f"post {number}", str(invalid))
            continue
        url, title = pages.get(record.url, ("", ""))
        yield replace(record, url=url, title=title)


def post(element: Element, position: str) -> Record:
    author = child(element, "author")
    parent = child(element, "parent")
    page = child(element, "thread")
    skip = None
    if child_text(element, "isDeleted") == "true":
        skip = Skip.DELETED
    spam = child_text(element, "isSpam") == "true"
    return Record(
        source_id=identifier(element.get(DSQ_ID, ""), "dsq:id"),
        url=page.get(DSQ_ID, "") if page is not None else "",  # the page's id, until read() knows its URL
        title="",
        parent_id=parent.get(DSQ_ID) if parent is not None else None,
        name=child_text(author, "name") if author is not None else "",
        email=child_text(author, "email") if author is not None else "",
        website="",
        body=child_text(element, "message"),
        html=True,
        created=when(child_text(element, "createdAt")),
        status=CommentStatus.SPAM if spam else CommentStatus.APPROVED,
        skip=skip,
        position=position,
    )
