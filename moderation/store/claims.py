"""Work tables that senders claim rows of under their own name (the outbox's mail, the webhooks):
one claim queue over either table. A row is pending until sent or given up; a claim holds while
its sender beats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

from ..models import Backlog
from .driver import Database, marks

T = TypeVar("T")

# The only names ever formatted into this SQL.
Table = Literal["outbox", "webhook_outbox"]


class Claims(Protocol[T]):
    """What a sender needs of its table: claims under its name, what became of each row, heartbeats."""

    async def claim(self, sender: str, silent_after: float, limit: int, busy: Sequence[str] = ()) -> list[T]:
        """Take due rows for `sender`, none in the `busy` lanes: nobody else gets them while it
        keeps beating. Rows claimed by a sender unseen for `silent_after` seconds are free again."""
        ...

    async def release(self, sender: str, ids: Sequence[int] = ()) -> None:
        """Give back claims without counting a try: the listed ones, or all of the sender's."""
        ...

    async def release_stale(self, predecessor: str = "") -> None:
        """At start: free claims of senders that are gone, where that is known. `predecessor`:
        the prefix of the names of the senders this one follows, all of them gone (a worker's
        slot, which the supervisor fills again only once the process before has exited); without
        it, SQLite frees every claim (one process sends), PostgreSQL none (other instances may
        hold live claims)."""
        ...

    async def mark_sent(self, row_id: int) -> None: ...

    async def mark_retry(self, row_id: int, delay: float, error: str) -> None: ...

    async def mark_failed(self, row_id: int, error: str) -> None: ...

    async def next_due(self, busy: Sequence[str] = ()) -> float | None:
        """When the earliest waiting row not in a `busy` lane may be tried (Unix seconds), if any."""
        ...

    async def backlog(self) -> Backlog: ...

    async def heartbeat(self, sender: str, forget_after: float) -> None:
        """Record that `sender` is alive; forget senders unseen for `forget_after` seconds."""
        ...

    async def sign_off(self, sender: str) -> None:
        """A sender stops: its claims are free at once, and it is seen no more."""
        ...


@dataclass(frozen=True)
class Queue(Generic[T]):
    """What sets one table's queue apart."""

    table: Table
    read: Callable[[Database, list[int]], Awaitable[list[T]]]  # claimed rows, as the sender gets them
    settled: str = ""  # more of the SET clause, for what a row drops once it is settled
    lane: str = ""  # the column whose values `busy` names (webhooks: one delivery per URL at a time)


class ClaimQueue(Generic[T]):
    def __init__(self, db: Database, queue: Queue[T]):
        self._db = db
        self._queue = queue
        self._table = queue.table

    def _not_in(self, busy: Sequence[str]) -> tuple[str, list[str]]:
        if not busy:
            return "", []
        return f" AND o.{self._queue.lane} NOT IN ({marks(len(busy))})", list(busy)

    async def claim(self, sender: str, silent_after: float, limit: int, busy: Sequence[str] = ()) -> list[T]:
        # Free to take: unclaimed, claimed by this sender in a round it could not finish, or
        # claimed by a sender that has not been seen for `silent_after` seconds (it died).
        now = self._db.now()
        where, args = self._not_in(busy)
        claimed = await self._db.write(
            f"UPDATE {self._table} SET claimed_by = ? WHERE id IN ("
            f"  SELECT o.id FROM {self._table} o WHERE o.status = 'pending' AND o.next_attempt_at <= ?{where}"
            "  AND (o.claimed_by IS NULL OR o.claimed_by = ? OR NOT EXISTS ("
            "       SELECT 1 FROM senders s WHERE s.id = o.claimed_by AND s.seen_at >= ?))"
            f" ORDER BY o.next_attempt_at, o.id LIMIT ? {self._db.claim_lock}"
            ") RETURNING id",
            sender,
            now,
            *args,
            sender,
            now - silent_after,
            limit,
            durable=False,
        )
        if not claimed:
            return []
        # Read after the claim committed: the rows are ours while this sender is seen alive.
        return await self._queue.read(self._db, sorted(int(row[0]) for row in claimed))

    async def release(self, sender: str, ids: Sequence[int] = ()) -> None:
        only = f" AND id IN ({marks(len(ids))})" if ids else ""
        await self._db.write(
            f"UPDATE {self._table} SET claimed_by = NULL WHERE claimed_by = ?{only}", sender, *ids, durable=False
        )

    async def release_stale(self, predecessor: str = "") -> None:
        if predecessor:  # the claims of the processes that held this worker's slot before, all gone
            await self._db.write(
                f"UPDATE {self._table} SET claimed_by = NULL WHERE status = 'pending' AND claimed_by LIKE ?",
                predecessor + "%",
                durable=False,
            )
        elif not self._db.shared:  # every claim left is from a sender of this process, which died
            await self._db.write(f"UPDATE {self._table} SET claimed_by = NULL WHERE status = 'pending'", durable=False)

    async def mark_sent(self, row_id: int) -> None:
        await self._db.write(
            f"UPDATE {self._table} SET status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_by = NULL,"
            f" last_error = NULL{self._queue.settled} WHERE id = ?",
            self._db.now(),
            row_id,
            durable=False,
        )

    async def mark_retry(self, row_id: int, delay: float, error: str) -> None:
        await self._db.write(
            f"UPDATE {self._table} SET attempts = attempts + 1, next_attempt_at = ?, claimed_by = NULL,"
            " last_error = ? WHERE id = ?",
            self._db.now() + delay,
            error,
            row_id,
            durable=False,
        )

    async def mark_failed(self, row_id: int, error: str) -> None:
        await self._db.write(
            f"UPDATE {self._table} SET status = 'failed', attempts = attempts + 1, claimed_by = NULL,"
            f" last_error = ?{self._queue.settled} WHERE id = ?",
            error,
            row_id,
            durable=False,
        )

    async def next_due(self, busy: Sequence[str] = ()) -> float | None:
        where, args = self._not_in(busy)
        rows = await self._db.fetch(
            # Claimed rows are someone's: a dead sender's are found by the regular poll.
            f"SELECT MIN(next_attempt_at) FROM {self._table} o WHERE o.status = 'pending'"
            f" AND o.claimed_by IS NULL{where}",
            *args,
        )
        due = rows[0][0]
        return None if due is None else float(due)

    async def backlog(self) -> Backlog:
        rows = await self._db.fetch(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed'),"
            f" MIN(created_at) FILTER (WHERE status = 'pending') FROM {self._table}"
            " WHERE status IN ('pending', 'failed')"
        )
        pending, failed, oldest = rows[0]
        return Backlog(
            pending=pending,
            failed=failed,
            oldest_pending_seconds=None if oldest is None else round(max(0.0, self._db.now() - oldest), 3),
        )

    async def heartbeat(self, sender: str, forget_after: float) -> None:
        now = self._db.now()
        async with self._db.transaction(durable=False) as tx:
            await tx.execute(
                "INSERT INTO senders (id, seen_at) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                sender,
                now,
            )
            await tx.execute("DELETE FROM senders WHERE seen_at < ?", now - forget_after)

    async def sign_off(self, sender: str) -> None:
        # A sender's name is its own and it claims from this table alone: its claims are free now.
        await self.release(sender)
        await self._db.write("DELETE FROM senders WHERE id = ?", sender, durable=False)
