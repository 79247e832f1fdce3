"""A commenter's own comment, through its private link (/mine/TOKEN): find it, withdraw it or edit
it while it waits, delete it once published. Tokens are random and only their SHA-256 is kept
(as reader mail's, readers.py); none names an address.

Withdrawing and deleting empty the row: the name, the text, the address and everything made from
them go, with the mail, webhooks, subscriptions and spam lessons about it. A deleted comment's row
stays, as the place its replies hang from; a withdrawn one stays so that its links say what
became of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..events import AuthorChanged
from ..holds import holds_from_json, holds_json
from ..models import AUTHOR, Channel, Comment, CommentStatus, NewComment
from ..questions import asks_question
from ..safety.screening import is_crisis
from ..tokens import new_token, token_hash
from . import audit
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM, assessment_columns, body_digest
from .comment_rows import comment as _comment
from .driver import Database, Transaction
from .erasure import erase_traces
from .threads import count_published

if TYPE_CHECKING:  # enqueue.py mints the "published" mail's links with mint_link
    from .enqueue import Consequences

EDITED = "edited"  # the audit entry's reason for an edit


async def add_link(tx: Transaction, comment_id: int, hashed: str, now: float) -> None:
    await tx.execute(
        "INSERT INTO author_links (token_hash, comment_id, created_at) VALUES (?, ?, ?)", hashed, comment_id, now
    )


async def mint_link(tx: Transaction, comment_id: int, now: float) -> str:
    """A new private link's token for a comment (the "published" mail's): only its hash is kept."""
    token, hashed = new_token()
    await add_link(tx, comment_id, hashed, now)
    return token


async def forget_links(tx: Transaction, comment_ids: list[int], id_marks: str) -> None:
    """`moderation forget`: the comments go, and their links with them."""
    await tx.execute(f"DELETE FROM author_links WHERE comment_id IN ({id_marks})", *comment_ids)


@dataclass(frozen=True)
class Outcome:
    """What an author's action did: changed the comment, or found it in a state it does not apply to."""

    comment: Comment  # as it now is
    changed: bool


class Mine:
    def __init__(self, db: Database, consequences: Consequences, language: str):
        self._db = db
        self._consequences = consequences
        self._language = language  # the site's: what a comment's text is in when its page named none

    async def find(self, token: str) -> Comment | None:
        rows = await self._db.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} JOIN author_links l ON l.comment_id = c.id"
            " WHERE l.token_hash = ?",
            token_hash(token),
        )
        return _comment(rows[0], self._db.sealer) if rows else None

    async def withdraw(self, token: str) -> Outcome | None:
        return await self._erase(token, CommentStatus.PENDING, CommentStatus.WITHDRAWN)

    async def delete(self, token: str) -> Outcome | None:
        return await self._erase(token, CommentStatus.APPROVED, CommentStatus.DELETED)

    async def edit(self, token: str, edited: NewComment) -> Outcome | None:
        """The new text, as screened again (`edited`: its body, holds, status and score), in place
        of the old, while the comment still waits. None for a token that names no comment."""
        now = self._db.now()
        async with self._db.transaction() as tx:
            found = await self._locked(tx, token)
            if found is None:
                return None
            comment_id, status, holds = found
            if status is not CommentStatus.PENDING:
                return Outcome(await self._read(tx, comment_id), False)
            await tx.execute(
                "UPDATE comments SET body = ?, body_html = ?, body_digest = ?, holds = ?, status = ?,"
                " spam_score = ?, spam_verdict = ?, spam_reasons = ?, asks_question = ?, edited_at = ? WHERE id = ?",
                edited.body,
                edited.body_html,
                body_digest(edited.body),
                holds_json(edited.holds),
                edited.status.value,
                *assessment_columns(edited.assessment),
                asks_question(edited.body, edited.lang or self._language),
                now,
                comment_id,
            )
            await audit.append(
                tx, [audit.Change(comment_id, status, edited.status, AUTHOR, Channel.AUTHOR, EDITED)], now
            )
            comment = await self._read(tx, comment_id)
            was_crisis = is_crisis(holds_from_json(holds))
            await self._consequences.write(tx, [AuthorChanged(comment, status, was_crisis)])
        await self._db.drop_old_copies()  # of the text replaced
        return Outcome(comment, True)

    async def _erase(self, token: str, applies_to: CommentStatus, to: CommentStatus) -> Outcome | None:
        now = self._db.now()
        async with self._db.transaction() as tx:
            found = await self._locked(tx, token)
            if found is None:
                return None
            comment_id, status, _ = found
            if status is not applies_to:
                return Outcome(await self._read(tx, comment_id), False)
            await self._empty(tx, comment_id, to)
            if status is CommentStatus.APPROVED:
                (thread_id,) = await tx.fetch("SELECT thread_id FROM comments WHERE id = ?", comment_id)
                await count_published(tx, thread_id[0], -1, now)  # the count and the ETag move on
            await audit.append(tx, [audit.Change(comment_id, status, to, AUTHOR, Channel.AUTHOR)], now)
            comment = await self._read(tx, comment_id)
            await self._consequences.write(tx, [AuthorChanged(comment, status)])
        await self._db.drop_old_copies()  # of the words erased
        return Outcome(comment, True)

    async def _empty(self, tx: Transaction, comment_id: int, to: CommentStatus) -> None:
        """Everything the comment said, and of whom, goes; its place in the thread stays."""
        await erase_traces(tx, [comment_id])
        await tx.execute(
            "UPDATE comments SET status = ?, name = '', email = '', email_index = '', website = '', avatar = '',"
            " body = '', body_html = '', body_digest = NULL, remote_addr = '', submitted_title = '', holds = '[]',"
            " spam_score = NULL, spam_verdict = NULL, spam_reasons = '[]', taught = NULL, asks_question = FALSE"
            " WHERE id = ?",
            to.value,
            comment_id,
        )
        # Its subscription holds the address.
        await tx.execute(
            "DELETE FROM unsubscribe_links WHERE subscription_id IN"
            " (SELECT id FROM subscriptions WHERE comment_id = ?)",
            comment_id,
        )
        await tx.execute("DELETE FROM subscriptions WHERE comment_id = ?", comment_id)

    async def _locked(self, tx: Transaction, token: str) -> tuple[int, CommentStatus, str] | None:
        """The comment a token names (id, state, holds), locked while it changes (PostgreSQL): a
        moderator's decision racing it waits, then finds it changed."""
        rows = await tx.fetch(
            "SELECT c.id, c.status, c.holds FROM comments c JOIN author_links l ON l.comment_id = c.id"
            f" WHERE l.token_hash = ? {self._db.row_lock}",
            token_hash(token),
        )
        if not rows:
            return None
        comment_id, status, holds = rows[0]
        return int(comment_id), CommentStatus(status), str(holds)

    async def _read(self, tx: Transaction, comment_id: int) -> Comment:
        (row,) = await tx.fetch(f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id = ?", comment_id)
        return _comment(row, self._db.sealer)
