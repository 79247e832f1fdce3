"""One import: read every record, map pages, link parents, write in batches, report."""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TextIO

from ..errors import ForeignHost, InvalidRecord, TooLong
from ..models import CommentStatus
from ..render import render_body
from ..store import Store
from ..store.imports import ImportedComment
from ..tokens import avatar_key
from ..validation import TEXT_FIELDS
from .html import from_html
from .mapping import Mapping
from .records import Record, Skip, Unreadable

MAX_NAME = 100  # as for a submission (validation.py)
MAX_TITLE = 300
BATCH = 500
MAX_REPORTED = 1000  # lines naming a refused comment; past that, only their number
AVATAR_KEY = re.compile(r"(?:[0-9a-f]{32})?")  # what tokens.avatar_key gives; none once purged


INVALID = "invalid"  # the reason counted for a comment whose fields a submission could not have


@dataclass
class Report:
    imported: Counter[str] = field(default_factory=Counter)  # by status
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    present: int = 0
    reparented: int = 0
    foreign: Counter[str] = field(default_factory=Counter)  # comments by host
    names_shortened: int = 0
    refused: list[str] = field(default_factory=list)  # "line 7: email ...: why", the first MAX_REPORTED

    def refuse(self, position: str, problem: str) -> None:
        self.skipped[INVALID] += 1
        if len(self.refused) < MAX_REPORTED:
            self.refused.append(f"{position}: {problem}")

    def lines(self) -> list[str]:
        total = sum(self.imported.values())
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.imported.items()))
        out = [f"imported: {total}" + (f" ({statuses})" if statuses else "")]
        out.append(f"already present: {self.present}")
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.skipped.items()))
        out.append(f"skipped: {sum(self.skipped.values())}" + (f" ({reasons})" if reasons else ""))
        out.append(f"re-parented (parent skipped or on another page): {self.reparented}")
        hosts = ", ".join(f"{h} ({n})" for h, n in sorted(self.foreign.items()))
        out.append(f"foreign hosts, skipped: {hosts or 'none'}")
        if self.names_shortened:
            out.append(f"names shortened to {MAX_NAME} characters: {self.names_shortened}")
        out += [f"skipped {line}" for line in self.refused]
        if self.skipped[INVALID] > len(self.refused):
            out.append(f"skipped, not listed: {self.skipped[INVALID] - len(self.refused)} more invalid")
        return out


class Progress:
    """A counter on the terminal; nothing at all when the output goes to a file or a pipe."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream if stream.isatty() else None

    def show(self, label: str, done: int, every: int = 1000) -> None:
        if self.stream and done % every == 0:
            print(f"\r{label}: {done}", end="", file=self.stream, flush=True)

    def end(self, label: str, done: int) -> None:
        if self.stream:
            print(f"\r{label}: {done}", file=self.stream, flush=True)


@dataclass(frozen=True)
class Page:
    thread: str
    title: str


async def run(
    store: Store,
    source: str,
    read: Callable[[], Iterable[Record | Unreadable]],
    mapping: Mapping,
    secret: str,
    progress: Progress,
) -> Report:
    """Two passes over the source, so that memory holds ids, never bodies: the first learns which
    comments are kept and who replies to whom, the second writes them; parents are linked last."""
    report = Report()
    every: dict[str, str | None] = {}  # source id -> its parent's
    kept: dict[str, int] = {}  # kept source id -> its page's number, for replies across pages
    page_numbers: dict[str, int] = {}
    count = 0
    for count, record in enumerate(read(), 1):
        progress.show("read", count)
        if isinstance(record, Unreadable):
            report.refuse(record.position, record.problem)
            continue
        if record.source_id in every:  # a repeated id is the same comment
            continue
        every[record.source_id] = record.parent_id
        outcome = _outcome(record, mapping)
        if isinstance(outcome, ForeignHost):
            report.foreign[outcome.host] += 1
        elif isinstance(outcome, Skip):
            report.skipped[outcome.value] += 1
        elif isinstance(outcome, InvalidRecord):
            report.refuse(record.position, str(outcome))
        else:
            kept[record.source_id] = page_numbers.setdefault(outcome.thread, len(page_numbers))
    progress.end("read", count)
    known = await store.imports.imported_ids(source)
    parents = _without_loops({id_: _kept_ancestor(id_, every, kept, known, report) for id_ in kept})
    report.present = sum(1 for id_ in kept if id_ in known)
    links: list[tuple[int, str]] = []  # (comment, parent's source id) for parents written later
    batch: list[ImportedComment] = []
    for record in read():
        if isinstance(record, Unreadable) or record.source_id not in kept or record.source_id in known:
            continue
        id_ = record.source_id
        known[id_] = 0  # written (its id comes with its batch); a repeat in the file is skipped
        page = _page(record, mapping)  # checked in the first pass, as the rest of it
        assert isinstance(page, Page)
        parent = parents[id_]
        batch.append(_comment(record, page, known.get(parent) if parent else None, secret, report))
        if len(batch) == BATCH:
            links += await _write(store, source, batch, parents, known, report)
            progress.show("written", sum(report.imported.values()), BATCH)
            batch = []
    if batch:
        links += await _write(store, source, batch, parents, known, report)
    await store.imports.link_parents([(comment, known[parent]) for comment, parent in links])
    progress.end("written", sum(report.imported.values()))
    return report


def _outcome(record: Record, mapping: Mapping) -> Page | Skip | ForeignHost | InvalidRecord:
    """Where the comment goes, or why it does not: skipped as its source marks it, on another
    host, or invalid (checked as a submission is: what a reader could not send is not imported)."""
    if record.skip is not None:
        return record.skip
    if not (record.text or record.body).strip():
        return Skip.EMPTY
    try:
        _readable(record)
        page = _page(record, mapping)
        if isinstance(page, Page):
            _fields(record)
    except InvalidRecord as invalid:
        return invalid
    return page


def _page(record: Record, mapping: Mapping) -> Page | Skip | ForeignHost:
    try:
        thread = mapping.thread(record.url) if record.url else ""
    except ForeignHost as foreign:
        return foreign
    if not thread:
        return Skip.NO_PAGE
    return Page(_checked("thread", thread), _checked("title", record.title[:MAX_TITLE]))


def _readable(record: Record) -> None:
    """Every text of the record is text a database takes: no NUL, no lone surrogate."""
    for name in ("url", "title", "name", "email", "website", "body", "text", "avatar"):
        value = getattr(record, name) or ""
        if "\x00" in value:
            raise InvalidRecord(f"{name}: contains a NUL character")
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                raise InvalidRecord(f"{name}: not valid UTF-8 text") from None


def _checked(field: str, value: str) -> str:
    """`value` checked as a submission's `field` is; the problem names the field and the value."""
    try:
        checked = TEXT_FIELDS[field](value)
    except TooLong as too_long:
        raise InvalidRecord(f"{field}: {str(too_long) % {'most': f'{too_long.most:,}'}}") from None
    except ValueError as invalid:
        raise InvalidRecord(f"{field} {value[:60]!r}: {invalid}") from None
    return checked


@dataclass(frozen=True)
class Fields:
    """What a comment shows, checked."""

    name: str
    shortened: bool  # the name was too long for a submission's, and was cut
    email: str
    website: str
    body: str
    body_html: str


def _fields(record: Record) -> Fields:
    name = " ".join(record.name.split()) or "Anonymous"
    shortened = len(name) > MAX_NAME
    if shortened:
        name = name[: MAX_NAME - 1] + "…"
    email = record.email.strip()
    website = record.website.strip()
    if not website.lower().startswith(("http://", "https://")):
        website = ""  # javascript: and the like are dropped, as they always were
    if record.avatar is not None and not AVATAR_KEY.fullmatch(record.avatar):
        raise InvalidRecord(f"avatar {record.avatar[:60]!r}: not an avatar of this service")
    if record.html:
        text, body_html = from_html(record.body)
        body = _checked("body", record.text or text)
    else:
        body = _checked("body", record.body)  # before it is rendered: a body over the limit never is
        body_html = render_body(record.body)
    return Fields(
        name=_checked("name", name),
        shortened=shortened,
        email=_checked("email", email) if email else "",
        website=_checked("website", website),
        body=body,
        body_html=body_html,
    )


async def _write(
    store: Store,
    source: str,
    batch: list[ImportedComment],
    parents: dict[str, str | None],
    known: dict[str, int],
    report: Report,
) -> list[tuple[int, str]]:
    """Write a batch; return the (comment, parent) pairs whose parent had no id of ours yet."""
    later = []
    for comment, comment_id in zip(batch, await store.imports.import_comments(source, batch), strict=True):
        known[comment.source_id] = comment_id
        report.imported[comment.status.value] += 1
        parent = parents[comment.source_id]
        if parent is not None and comment.parent is None:
            later.append((comment_id, parent))
    return later


def _without_loops(parents: dict[str, str | None]) -> dict[str, str | None]:
    """A loop of parents in a damaged source: each comment on it goes to the top of its page."""
    for id_ in parents:
        seen, parent = {id_}, parents[id_]
        while parent is not None and parent in parents:
            if parent in seen:
                parents[id_] = None
                break
            seen.add(parent)
            parent = parents[parent]
    return parents


def _kept_ancestor(
    id_: str, every: dict[str, str | None], kept: dict[str, int], known: dict[str, int], report: Report
) -> str | None:
    """The nearest ancestor that is imported, now or before, on the same page; None for the top."""
    first = parent = every[id_]
    seen = {id_}
    while parent is not None and parent not in seen:
        if parent in kept and kept[parent] != kept[id_]:
            break  # a reply to another page's comment: at the top of its own
        if parent in kept or (parent in known and parent not in every):
            if parent != first:
                report.reparented += 1
            return parent
        seen.add(parent)
        parent = every.get(parent)
    if first is not None:
        report.reparented += 1
    return None


def _comment(record: Record, page: Page, parent: int | None, secret: str, report: Report) -> ImportedComment:
    fields = _fields(record)
    report.names_shortened += fields.shortened
    return ImportedComment(
        source_id=record.source_id,
        thread=page.thread,
        title=page.title,
        parent=parent or None,
        name=fields.name,
        email=fields.email,
        website=fields.website,
        avatar=_avatar(record, fields.email, fields.name, secret),
        body=fields.body,
        body_html=fields.body_html,
        status=record.status,
        created=record.created.timestamp(),
        decided=_decided(record),
    )


def _avatar(record: Record, email: str, name: str, secret: str) -> str:
    if email:  # derived as for a submission, so that the same reader keeps the same picture
        return avatar_key(secret, email)
    return record.avatar if record.avatar is not None else avatar_key(secret, name)


def _decided(record: Record) -> float | None:
    if record.decided is not None:
        return record.decided.timestamp()
    # The old system's decision has no time of its own: it stands at the comment's.
    return None if record.status is CommentStatus.PENDING else record.created.timestamp()
