"""Work tables that senders claim rows of under their own name (the outbox's mail, the webhooks):
the SQL both share. A row is pending until sent or given up; a claim holds while its sender beats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ..models import Backlog
from .driver import StoreBase, marks

# The only names ever formatted into this SQL.
Table = Literal["outbox", "webhook_outbox"]
TABLES: tuple[Table, ...] = ("outbox", "webhook_outbox")


async def claim(
    store: StoreBase, table: Table, sender: str, silent_after: float, limit: int, where: str = "", *args: Any
) -> list[int]:
    """Take up to `limit` due rows (and those matching `where`, with its `args`) for `sender`.

    Free to take: unclaimed, claimed by this sender in a round it could not finish, or claimed by
    a sender that has not been seen for `silent_after` seconds (it died).
    """
    now = store._clock()
    claimed = await store.write(
        f"UPDATE {table} SET claimed_by = ? WHERE id IN ("
        f"  SELECT o.id FROM {table} o WHERE o.status = 'pending' AND o.next_attempt_at <= ?{where}"
        "  AND (o.claimed_by IS NULL OR o.claimed_by = ? OR NOT EXISTS ("
        "       SELECT 1 FROM senders s WHERE s.id = o.claimed_by AND s.seen_at >= ?))"
        f" ORDER BY o.next_attempt_at, o.id LIMIT ? {store.claim_lock}"
        ") RETURNING id",
        sender,
        now,
        *args,
        sender,
        now - silent_after,
        limit,
        durable=False,
    )
    return sorted(int(row[0]) for row in claimed)


async def release(store: StoreBase, table: Table, sender: str, ids: Sequence[int] = ()) -> None:
    """Give back claims of this sender without counting a try: the listed ones, or all."""
    only = f" AND id IN ({marks(len(ids))})" if ids else ""
    await store.write(f"UPDATE {table} SET claimed_by = NULL WHERE claimed_by = ?{only}", sender, *ids, durable=False)


async def release_all(store: StoreBase, table: Table) -> None:
    """Every claim: only for a store that one process alone sends from (SQLite), at its start."""
    await store.write(f"UPDATE {table} SET claimed_by = NULL WHERE status = 'pending'", durable=False)


async def mark_sent(store: StoreBase, table: Table, row_id: int, also: str = "") -> None:
    """`also`: more of the SET clause, for what a table drops once its row is settled."""
    await store.write(
        f"UPDATE {table} SET status = 'sent', sent_at = ?, attempts = attempts + 1, claimed_by = NULL,"
        f" last_error = NULL{also} WHERE id = ?",
        store._clock(),
        row_id,
        durable=False,
    )


async def mark_retry(store: StoreBase, table: Table, row_id: int, delay: float, error: str) -> None:
    await store.write(
        f"UPDATE {table} SET attempts = attempts + 1, next_attempt_at = ?, claimed_by = NULL,"
        " last_error = ? WHERE id = ?",
        store._clock() + delay,
        error,
        row_id,
        durable=False,
    )


async def mark_failed(store: StoreBase, table: Table, row_id: int, error: str, also: str = "") -> None:
    await store.write(
        f"UPDATE {table} SET status = 'failed', attempts = attempts + 1, claimed_by = NULL,"
        f" last_error = ?{also} WHERE id = ?",
        error,
        row_id,
        durable=False,
    )


async def next_due(store: StoreBase, table: Table, where: str = "", *args: Any) -> float | None:
    rows = await store.fetch(
        # Claimed rows are someone's: a dead sender's are found by the regular poll.
        f"SELECT MIN(next_attempt_at) FROM {table} o WHERE o.status = 'pending' AND o.claimed_by IS NULL{where}",
        *args,
    )
    due = rows[0][0]
    return None if due is None else float(due)


async def backlog(store: StoreBase, table: Table) -> Backlog:
    rows = await store.fetch(
        "SELECT COUNT(*) FILTER (WHERE status = 'pending'), COUNT(*) FILTER (WHERE status = 'failed'),"
        f" MIN(created_at) FILTER (WHERE status = 'pending') FROM {table} WHERE status IN ('pending', 'failed')"
    )
    pending, failed, oldest = rows[0]
    return Backlog(
        pending=pending,
        failed=failed,
        oldest_pending_seconds=None if oldest is None else round(max(0.0, store._clock() - oldest), 3),
    )
