"""The audit log's SQL: entries are appended inside the transaction of the change they record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..models import AuditEntry, Channel, CommentStatus
from .driver import Fetch, Row, Transaction, marks

ENTRY_COLUMNS = "a.comment_id, a.from_status, a.to_status, a.actor, a.channel, r.reason, a.at"
ENTRY_FROM = "audit_log a LEFT JOIN audit_reasons r ON r.entry_id = a.id"


@dataclass(frozen=True)
class Change:
    """An entry to append: `comment` went from `before` (None: new) to `after`."""

    comment: int
    before: CommentStatus | None
    after: str
    actor: str
    channel: Channel
    reason: str | None = None


async def append(tx: Transaction, changes: Sequence[Change], at: float) -> None:
    plain = [change for change in changes if not change.reason]
    if plain:
        await tx.executemany(
            "INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at) VALUES (?, ?, ?, ?, ?, ?)",
            [(c.comment, c.before, c.after, c.actor, c.channel.value, at) for c in plain],
        )
    for change in changes:
        if change.reason:  # the reason goes beside its entry, which it needs the id of
            (entry,) = await tx.fetch(
                "INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                change.comment,
                change.before,
                change.after,
                change.actor,
                change.channel.value,
                at,
            )
            await tx.execute("INSERT INTO audit_reasons (entry_id, reason) VALUES (?, ?)", entry[0], change.reason)


def entry(row: Row) -> AuditEntry:
    return AuditEntry(
        comment=row[0],
        from_status=None if row[1] is None else CommentStatus(row[1]),
        to_status=str(row[2]),
        actor=row[3],
        channel=Channel(row[4]),
        reason=row[5],
        at=datetime.fromtimestamp(row[6], UTC),
    )


async def last_entries(fetch: Fetch, comment_ids: Sequence[int]) -> dict[int, AuditEntry]:
    """The latest entry of each comment: who put it in the state it is in, through what, when."""
    if not comment_ids:
        return {}
    rows = await fetch(
        f"SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE a.id IN ("
        f"  SELECT MAX(id) FROM audit_log WHERE comment_id IN ({marks(len(comment_ids))}) GROUP BY comment_id)",
        *comment_ids,
    )
    return {row[0]: entry(row) for row in rows}


async def since(fetch: Fetch, start: float) -> list[AuditEntry]:
    rows = await fetch(f"SELECT {ENTRY_COLUMNS} FROM {ENTRY_FROM} WHERE a.at >= ? ORDER BY a.id", start)
    return [entry(row) for row in rows]
