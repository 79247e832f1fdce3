"""The SQL of `moderation import`: the one place an imported address is written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import CLI, Channel, CommentStatus
from ..questions import asks_question
from ..sealer import Sealer
from . import addresses, audit, titles
from .comment_rows import body_digest
from .driver import Database, Transaction
from .threads import count_published, start_threads


@dataclass(frozen=True)
class ImportedComment:
    source_id: str
    thread: str
    title: str
    parent: int | None  # our id, already resolved
    name: str
    email: str
    website: str
    avatar: str
    body: str
    body_html: str
    status: CommentStatus
    created: float
    decided: float | None


class Imports:
    def __init__(self, db: Database, language: str):
        self._db = db
        self._language = language  # the site's: what an imported comment is written in

    async def imported_ids(self, source: str) -> dict[str, int]:
        """Each source id already imported from `source`, with the comment it became."""
        rows = await self._db.fetch("SELECT source_id, comment_id FROM imported WHERE source = ?", source)
        return {row[0]: int(row[1]) for row in rows}

    async def import_comments(self, source: str, comments: Sequence[ImportedComment]) -> list[int]:
        """Comments, their audit entries and their source ids, in one transaction. No mail is
        queued and no subscription made: consent does not travel."""
        now = self._db.now()
        async with self._db.transaction() as tx:
            return await _write(tx, self._db.sealer, source, comments, now, self._language)

    async def link_parents(self, links: Sequence[tuple[int, int]]) -> None:
        """(comment, parent) pairs whose parent was written after the reply."""
        for start in range(0, len(links), 1000):
            async with self._db.transaction() as tx:
                await tx.executemany(
                    # Only a comment of the same page can be a parent.
                    "UPDATE comments SET parent_id = ? WHERE id = ?"
                    " AND thread_id = (SELECT p.thread_id FROM comments p WHERE p.id = ?)",
                    [(p, c, p) for c, p in links[start : start + 1000]],
                )


async def _write(
    tx: Transaction, sealer: Sealer, source: str, comments: Sequence[ImportedComment], now: float, language: str
) -> list[int]:
    # A thread's age (MODERATION_CLOSE_AFTER_DAYS) counts from its oldest comment, imported ones too.
    oldest: dict[str, float] = {}
    for c in comments:
        oldest[c.thread] = min(c.created, oldest.get(c.thread, c.created))
    await start_threads(tx, oldest.items())
    ids: list[int] = []
    published: Counter[int] = Counter()
    for c in comments:
        rows = await tx.fetch(
            # The address is sealed under the row's id once it has one (store/sealed.py).
            "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body, body_html,"
            " remote_addr, created_at, decided_at, decided_by, status, body_digest, submitted_title, asks_question)"
            # The parent only if it is a comment of the same page.
            " SELECT t.id, (SELECT p.id FROM comments p WHERE p.id = ? AND p.thread_id = t.id),"
            " ?, '', ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.key = ?"
            " RETURNING id, thread_id",
            c.parent,
            c.name,
            sealer.index(c.email) if c.email else "",
            c.website,
            c.avatar,
            c.body,
            c.body_html,
            c.created,
            c.decided,
            CLI if c.decided is not None else None,
            c.status.value,
            body_digest(c.body),
            " ".join(c.title.split()),  # one line: it may become what feeds and mail subjects say
            asks_question(c.body, language),
            c.thread,
        )
        ids.append(int(rows[0][0]))
        if c.email:
            await addresses.seal_email(tx, sealer, ids[-1], c.email)
        if c.status is CommentStatus.APPROVED:
            published[int(rows[0][1])] += 1
    await tx.executemany(
        "INSERT INTO imported (source, source_id, comment_id) VALUES (?, ?, ?)",
        [(source, c.source_id, id_) for c, id_ in zip(comments, ids, strict=True)],
    )
    for thread_id, count in published.items():
        await count_published(tx, thread_id, count, now)
    # Comments published already give their page its title, as an approval does; the others do not.
    approved = [id_ for c, id_ in zip(comments, ids, strict=True) if c.status is CommentStatus.APPROVED]
    await titles.from_approved(tx, approved)
    await audit.append(
        tx, [audit.Change(id_, None, c.status, CLI, Channel.IMPORT) for c, id_ in zip(comments, ids, strict=True)], now
    )
    return ids
