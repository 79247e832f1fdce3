"""The SQL of `moderation export`: every comment by id, its address opened."""

from __future__ import annotations

from collections.abc import Sequence

from ..models import BY_AUTHOR, CommentStatus, ExportedComment
from ..sealer import Sealer
from .driver import Database, Row, marks

EXPORT_COLUMNS = """
    c.id, t.key, t.title, c.parent_id, c.status, c.name, c.email, c.website, c.avatar,
    c.body, c.body_html, c.created_at, c.decided_at
"""


class Exports:
    def __init__(self, db: Database):
        self._db = db

    async def page(self, after: int, limit: int, statuses: Sequence[str]) -> list[ExportedComment]:
        """Comments with ids above `after`, oldest first, as EXPORT_COLUMNS, addresses opened."""
        # Withdrawn and deleted comments hold nothing of their authors' any more: nothing to export.
        wanted = list(statuses) or [s.value for s in CommentStatus if s not in BY_AUTHOR]
        rows = await self._db.fetch(
            f"SELECT {EXPORT_COLUMNS} FROM comments c JOIN threads t ON t.id = c.thread_id"
            f" WHERE c.id > ? AND c.status IN ({marks(len(wanted))}) ORDER BY c.id LIMIT ?",
            after,
            *wanted,
            limit,
        )
        return [_exported(row, self._db.sealer) for row in rows]


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
