"""A thread's title, what feeds, reader mail, webhooks and moderator mail show: set by approved
comments and by the operator only, never by a submission."""

from __future__ import annotations

from collections.abc import Sequence

from .driver import Transaction, marks


async def from_approved(tx: Transaction, comment_ids: Sequence[int]) -> None:
    """Each thread still without a title takes the title the oldest of these comments, just
    approved, was sent with; a title set by hand is kept."""
    if not comment_ids:
        return
    id_marks = marks(len(comment_ids))
    await tx.execute(
        "UPDATE threads SET title = COALESCE((SELECT c.submitted_title FROM comments c"
        f" WHERE c.thread_id = threads.id AND c.id IN ({id_marks}) AND c.submitted_title <> ''"
        " ORDER BY c.created_at, c.id LIMIT 1), '')"
        f" WHERE title = '' AND id IN (SELECT thread_id FROM comments WHERE id IN ({id_marks}))",
        *comment_ids,
        *comment_ids,
    )
