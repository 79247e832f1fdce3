"""Threads: their state (version, closing), their approved comments, counts and titles.

Every change to a thread's state (its version, the start of its age, its closing by hand) is
made here, and announces the thread in its own transaction (`announce`), so that the instances
that keep thread states in memory (thread_states.py) forget it once it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace

from ..models import ByHand, Comment, CommentStatus, Thread, ThreadState
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM, THREAD_STATE
from .comment_rows import comment as _comment
from .comment_rows import thread_state as _thread_state
from .driver import Database, Transaction, marks
from .thread_states import THREADS, ThreadStates, announcement


async def announce(tx: Transaction, key: str, version: int) -> None:
    """Tell every instance, once the transaction commits, that this thread changed."""
    await tx.announce(THREADS, announcement(key, version))


async def count_published(tx: Transaction, thread_id: int, delta: int, now: float) -> None:
    """Change a thread's count of approved comments, and with it its version (the ETag)."""
    # Microseconds, not +1: a version never repeats even if the database is rebuilt.
    stamp = int(now * 1_000_000)
    for key, version in await tx.fetch(
        "UPDATE threads SET approved = approved + ?,"
        " version = CASE WHEN version >= ? THEN version + 1 ELSE ? END WHERE id = ? RETURNING key, version",
        delta,
        stamp,
        stamp,
        thread_id,
    ):
        await announce(tx, key, int(version))


async def start_threads(tx: Transaction, firsts: Iterable[tuple[str, float]]) -> dict[str, tuple[str, ThreadState]]:
    """Give each thread (key, when its oldest comment here was written) its row, and its age
    (MODERATION_CLOSE_AFTER_DAYS) its start: the oldest comment's time, whatever its fate. Each
    thread's title and state as they are now: on PostgreSQL its row stays locked to the commit, so
    nothing closes it meanwhile."""
    started: dict[str, tuple[str, ThreadState]] = {}
    for key, first in sorted(firsts):  # one order for every writer: no two wait on each other
        (title, *row) = (
            await tx.fetch(
                "INSERT INTO threads (key, first_comment_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE"
                " SET first_comment_at = CASE WHEN threads.first_comment_at IS NULL"
                " OR excluded.first_comment_at < threads.first_comment_at"
                " THEN excluded.first_comment_at ELSE threads.first_comment_at END"
                f" RETURNING title, {THREAD_STATE}",
                key,
                first,
            )
        )[0]
        state = _thread_state(row)
        if state.first_comment_at == first:  # its age starts now (or earlier, by an import): it can close
            await announce(tx, key, state.version)
        started[key] = (title, state)
    return started


def with_replies_only(comments: list[Comment]) -> list[Comment]:
    """The comments without the deleted ones that no shown comment answers, however deep."""
    shown = list(comments)
    while True:
        parents = {comment.parent for comment in shown}
        kept = [c for c in shown if c.status is not CommentStatus.DELETED or c.id in parents]
        if len(kept) == len(shown):
            return kept
        shown = kept


class Threads:
    def __init__(self, db: Database):
        self._db = db
        self.states = ThreadStates()

    def kept_in_memory(self) -> AbstractAsyncContextManager[None]:
        """While the block lasts, `state` answers from memory whenever the database can promise
        that every change is heard of (PostgreSQL, while listening); else it asks the database."""
        return self._db.listen(THREADS, self.states)

    async def state(self, key: str) -> ThreadState:
        if (kept := self.states.get(key)) is not None:
            return kept
        mark = self.states.mark()
        rows = await self._db.quick_fetch(f"SELECT {THREAD_STATE} FROM threads WHERE key = ?", key)
        state = _thread_state(rows[0]) if rows else ThreadState()
        self.states.keep(key, state, mark)
        return state

    async def approved(self, key: str, *, with_deleted: bool = False) -> Thread:
        # The version is read first: if an approval lands in between, the newer list goes out
        # under the older version, and the next request simply gets it again.
        rows = await self._db.fetch(f"SELECT id, title, {THREAD_STATE} FROM threads WHERE key = ?", key)
        if not rows:
            return Thread(key=key, title="", state=ThreadState(), comments=[])
        thread_id, title, *state = rows[0]
        statuses = "'approved', 'deleted'" if with_deleted else "'approved'"
        comments = await self._db.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.thread_id = ? AND c.status IN ({statuses})"
            # By when they were written, not by id: imported comments get their ids in file order.
            " ORDER BY c.created_at, c.id",
            thread_id,
        )
        return Thread(
            key=key,
            title=title,
            state=_thread_state(state),
            comments=[_comment(row, self._db.sealer) for row in comments],
        )

    async def shown(self, key: str) -> Thread:
        """What readers see of a thread: its approved comments, and where a deleted one has
        replies still shown, its placeholder (models.py Comment.public), for them to hang from."""
        thread = await self.approved(key, with_deleted=True)
        return replace(thread, comments=with_replies_only(thread.comments))

    async def set_by_hand(self, key: str, by_hand: ByHand) -> ThreadState:
        async with self._db.transaction() as tx:
            before = await tx.fetch(f"SELECT {THREAD_STATE} FROM threads WHERE key = ? {self._db.row_lock}", key)
            # A thread with no comment yet gets its row now: closed ahead, it stays closed when one comes.
            (version,) = (
                await tx.fetch(
                    "INSERT INTO threads (key, title, by_hand) VALUES (?, '', ?)"
                    " ON CONFLICT (key) DO UPDATE SET by_hand = excluded.by_hand RETURNING version",
                    key,
                    by_hand.value,
                )
            )[0]
            await announce(tx, key, int(version))
        return _thread_state(before[0]) if before else ThreadState()

    async def set_title(self, key: str, title: str) -> str:
        async with self._db.transaction() as tx:
            before = await tx.fetch(f"SELECT title FROM threads WHERE key = ? {self._db.row_lock}", key)
            # As closing: a thread with no comment yet gets its row now, and keeps the title.
            # Not announced: a title is no part of a thread's state, nor of its ETag; an answer
            # that ever shows it must change the version (count_published does) to be re-sent.
            await tx.execute(
                "INSERT INTO threads (key, title) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET title = excluded.title",
                key,
                title,
            )
        return str(before[0][0]) if before else ""

    async def approved_counts(self, keys: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(keys, 0)
        if keys:
            for key, approved in await self._db.fetch(
                f"SELECT key, approved FROM threads WHERE key IN ({marks(len(keys))})", *keys
            ):
                counts[key] = approved
        return counts

    async def recent_approved(self, limit: int) -> list[Comment]:
        rows = await self._db.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.status = 'approved'"
            " ORDER BY c.created_at DESC, c.id DESC LIMIT ?",
            limit,
        )
        return [_comment(row, self._db.sealer) for row in rows]
