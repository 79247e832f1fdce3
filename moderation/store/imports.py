"""The SQL of `moderation import` and `moderation export`: the one place an imported address is written."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..models import CLI, Channel, CommentStatus, ExportedComment
from ..sealer import Sealer
from . import addresses, audit, titles
from .comment_rows import body_digest
from .driver import Row, StoreBase, Transaction, marks


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


EXPORT_COLUMNS = """
    c.id, t.key, t.title, c.parent_id, c.status, c.name, c.email, c.website, c.avatar,
    c.body, c.body_html, c.created_at, c.decided_at
"""


class _Base(StoreBase, Protocol):
    _sealer: Sealer

    async def _count_published(self, tx: Transaction, thread_id: int, delta: int) -> None: ...


class ImportSql:
    async def imported_ids(self: StoreBase, source: str) -> dict[str, int]:
        """Each source id already imported from `source`, with the comment it became."""
        rows = await self.fetch("SELECT source_id, comment_id FROM imported WHERE source = ?", source)
        return {row[0]: int(row[1]) for row in rows}

    async def import_comments(self: _Base, source: str, comments: Sequence[ImportedComment]) -> list[int]:
        """Comments, their audit entries and their source ids, in one transaction. No mail is
        queued and no subscription made: consent does not travel."""
        now = self._clock()
        async with self.transaction() as tx:
            return await _write(self, tx, source, comments, now)

    async def link_imported_parents(self: StoreBase, links: Sequence[tuple[int, int]]) -> None:
        """(comment, parent) pairs whose parent was written after the reply."""
        for start in range(0, len(links), 1000):
            async with self.transaction() as tx:
                await tx.executemany(
                    # Only a comment of the same page can be a parent.
                    "UPDATE comments SET parent_id = ? WHERE id = ?"
                    " AND thread_id = (SELECT p.thread_id FROM comments p WHERE p.id = ?)",
                    [(p, c, p) for c, p in links[start : start + 1000]],
                )

    async def export_page(self: _Base, after: int, limit: int, statuses: Sequence[str]) -> list[ExportedComment]:
        """Comments with ids above `after`, oldest first, as EXPORT_COLUMNS, addresses opened."""
        wanted = list(statuses) or [s.value for s in CommentStatus]
        rows = await self.fetch(
            f"SELECT {EXPORT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id"
            f" WHERE c.id > ? AND c.status IN ({marks(len(wanted))}) ORDER BY c.id LIMIT ?",
            after,
            *wanted,
            limit,
        )
        return [_exported(row, self._sealer) for row in rows]


def _exported(row: Row, sealer: Sealer) -> ExportedComment:
    """A row of EXPORT_COLUMNS, its address opened."""
    id_, thread, title, parent, status, name, email, website, avatar, body, body_html, created, decided = row
    return ExportedComment(
        id=id_,
        thread=thread,
        title=title,
        parent=parent,
        status=CommentStatus(status),
        name=name,
        email=sealer.open(email, "comments", "email", id_),
        website=website,
        avatar=avatar,
        body=body,
        body_html=body_html,
        created=float(created),
        decided=None if decided is None else float(decided),
    )


async def _write(
    store: _Base, tx: Transaction, source: str, comments: Sequence[ImportedComment], now: float
) -> list[int]:
    await tx.executemany(
        "INSERT INTO threads (key, first_comment_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
        # A thread's age (MODERATION_CLOSE_AFTER_DAYS) counts from its oldest comment, imported ones too.
        " SET first_comment_at = CASE WHEN threads.first_comment_at IS NULL"
        " OR excluded.first_comment_at < threads.first_comment_at"
        " THEN excluded.first_comment_at ELSE threads.first_comment_at END",
        [(c.thread, c.created) for c in comments],
    )
    ids: list[int] = []
    published: Counter[int] = Counter()
    for c in comments:
        rows = await tx.fetch(
            # The address is sealed under the row's id once it has one (store/sealed.py).
            "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body, body_html,"
            " remote_addr, created_at, decided_at, decided_by, status, flags, body_digest, submitted_title)"
            # The parent only if it is a comment of the same page.
            " SELECT t.id, (SELECT p.id FROM comments p WHERE p.id = ? AND p.thread_id = t.id),"
            " ?, '', ?, ?, ?, ?, ?, '', ?, ?, ?, ?, '', ?, ? FROM threads t WHERE t.key = ?"
            " RETURNING id, thread_id",
            c.parent,
            c.name,
            store._sealer.index(c.email) if c.email else "",
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
            c.thread,
        )
        ids.append(int(rows[0][0]))
        if c.email:
            await addresses.seal_email(tx, store._sealer, ids[-1], c.email)
        if c.status is CommentStatus.APPROVED:
            published[int(rows[0][1])] += 1
    await tx.executemany(
        "INSERT INTO imported (source, source_id, comment_id) VALUES (?, ?, ?)",
        [(source, c.source_id, id_) for c, id_ in zip(comments, ids, strict=True)],
    )
    for thread_id, count in published.items():
        await store._count_published(tx, thread_id, count)
    # Comments published already give their page its title, as an approval does; the others do not.
    approved = [id_ for c, id_ in zip(comments, ids, strict=True) if c.status is CommentStatus.APPROVED]
    await titles.from_approved(tx, approved)
    await audit.append(
        tx, [audit.Change(id_, None, c.status, CLI, Channel.IMPORT) for c, id_ in zip(comments, ids, strict=True)], now
    )
    return ids
