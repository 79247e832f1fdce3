"""What a comment leaves in other tables besides its own row, erased with what it said: when its
writer takes it back (mine.py) and when its address is forgotten (comments.py `forget`)."""

from __future__ import annotations

from collections.abc import Sequence

from . import spam_model
from .driver import Transaction, marks


async def erase_traces(tx: Transaction, comment_ids: Sequence[int]) -> int:
    """Unsent mail about the comments and their webhook bodies (they carry the name and the text),
    what they taught the spam classifier, and the reasons of their audit entries (they may quote
    them; the log keeps that each comment existed and what became of it). How many mails went."""
    id_marks = marks(len(comment_ids))
    mails = await tx.fetch(f"DELETE FROM outbox WHERE comment_id IN ({id_marks}) RETURNING id", *comment_ids)
    await tx.execute(f"DELETE FROM webhook_outbox WHERE comment_id IN ({id_marks})", *comment_ids)
    await spam_model.forget(tx, comment_ids)
    await tx.execute(
        f"DELETE FROM audit_reasons WHERE entry_id IN (SELECT id FROM audit_log WHERE comment_id IN ({id_marks}))",
        *comment_ids,
    )
    return len(mails)
