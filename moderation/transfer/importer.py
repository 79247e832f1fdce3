"""One import: read every record, map pages, link parents, write in batches, report."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from ..models import CommentStatus
from ..render import render_body
from ..store import Store
from ..store.imports import ImportedComment
from ..tokens import avatar_key
from .html import from_html
from .mapping import Foreign, Mapping
from .records import Record, Skip

MAX_NAME = 100  # as for a submission (validation.py)
MAX_BODY = 10_000
MAX_TITLE = 300
BATCH = 500


@dataclass
class Report:
    imported: Counter[str] = field(default_factory=Counter)  # by status
    skipped: Counter[str] = field(default_factory=Counter)  # by reason
    present: int = 0
    reparented: int = 0
    foreign: Counter[str] = field(default_factory=Counter)  # comments by host
    names_shortened: int = 0
    long_bodies: int = 0

    def lines(self) -> list[str]:
        total = sum(self.imported.values())
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.imported.items()))
        out = [f"imported: {total}" + (f" ({statuses})" if statuses else "")]
        out.append(f"already present: {self.present}")
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(self.skipped.items()))
        out.append(f"skipped: {sum(self.skipped.values())}" + (f" ({reasons})" if reasons else ""))
        out.append(f"re-parented (their parent was skipped): {self.reparented}")
        hosts = ", ".join(f"{h} ({n})" for h, n in sorted(self.foreign.items()))
        out.append(f"foreign hosts, skipped: {hosts or 'none'}")
        if self.names_shortened:
            out.append(f"names shortened to {MAX_NAME} characters: {self.names_shortened}")
        if self.long_bodies:
            out.append(f"bodies over {MAX_BODY:,} characters, kept whole: {self.long_bodies}")
        return out


class Progress:
    """A counter on the terminal; nothing at all when the output goes to a file or a pipe."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream if stream.isatty() else None

    def show(self, label: str, done: int, every: int = 1000) -> None:
        if self.stream and done % every == 0:
            print(f"\r{label}: {done}", end="", file=self.stream, flush=True)

    def end(self) -> None:
        if self.stream:
            print(file=self.stream)


@dataclass(frozen=True)
class Page:
    thread: str
    title: str


async def run(
    store: Store, source: str, records: Iterable[Record], mapping: Mapping, secret: str, progress: Progress
) -> Report:
    report = Report()
    every: dict[str, Record] = {}
    pages: dict[str, Page] = {}
    for count, record in enumerate(records, 1):
        every.setdefault(record.source_id, record)  # a repeated id is the same comment
        progress.show("read", count)
    progress.end()
    kept: dict[str, Record] = {}
    for id_, record in every.items():
        skip = record.skip or (None if (record.text or record.body).strip() else Skip.EMPTY)
        if skip is None:
            try:
                pages[id_] = Page(mapping.thread(record.url), record.title[:MAX_TITLE]) if record.url else Page("", "")
            except Foreign as foreign:
                report.foreign[foreign.host] += 1
                continue
            skip = None if pages[id_].thread else Skip.NO_PAGE
        if skip is not None:
            report.skipped[skip.value] += 1
        else:
            kept[id_] = record
    known = await store.imported_ids(source)
    parents = {id_: _kept_ancestor(record, every, kept, known, report) for id_, record in kept.items()}
    # Parents first: a round writes what has its parent written (or none), until nothing is left.
    waiting = [id_ for id_ in kept if id_ not in known]
    report.present = len(kept) - len(waiting)
    written = 0
    while waiting:
        ready = [id_ for id_ in waiting if parents[id_] is None or parents[id_] in known]
        if not ready:  # a loop of parents in the source: the rest go in at the top of their page
            ready, parents = waiting[:1], {**parents, waiting[0]: None}
        for start in range(0, len(ready), BATCH):
            batch = ready[start : start + BATCH]
            rows = [_comment(kept[id_], pages[id_], parents[id_], known, secret, report) for id_ in batch]
            for id_, comment_id in zip(batch, await store.import_comments(source, rows), strict=True):
                known[id_] = comment_id
                report.imported[kept[id_].status.value] += 1
            written += len(batch)
            progress.show("written", written, 1)
        done = set(ready)
        waiting = [id_ for id_ in waiting if id_ not in done]
    progress.end()
    return report


def _kept_ancestor(
    record: Record, every: dict[str, Record], kept: dict[str, Record], known: dict[str, int], report: Report
) -> str | None:
    """The nearest ancestor that is imported, now or before; None for the top of the page."""
    parent, seen = record.parent_id, {record.source_id}
    while parent is not None and parent not in seen:
        if parent in kept or (parent in known and parent not in every):
            if parent != record.parent_id:
                report.reparented += 1
            return parent
        seen.add(parent)
        parent = every[parent].parent_id if parent in every else None
    if record.parent_id is not None:
        report.reparented += 1
    return None


def _comment(
    record: Record, page: Page, parent: str | None, known: dict[str, int], secret: str, report: Report
) -> ImportedComment:
    if record.html:
        body, body_html = from_html(record.body)
        body = record.text or body
    else:
        body, body_html = record.body.strip(), render_body(record.body)
    if len(body) > MAX_BODY:
        report.long_bodies += 1
    name = " ".join(record.name.split()) or "Anonymous"
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
        report.names_shortened += 1
    email = record.email.strip()
    website = record.website.strip()
    return ImportedComment(
        source_id=record.source_id,
        thread=page.thread,
        title=page.title,
        parent=known[parent] if parent is not None else None,
        name=name,
        email=email,
        website=website if website.lower().startswith(("http://", "https://")) else "",
        avatar=_avatar(record, email, name, secret),
        body=body,
        body_html=body_html,
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
