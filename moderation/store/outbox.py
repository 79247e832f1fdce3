"""The outbox's mail as a claim queue (claims.py): what a claimed mail carries, and mail put in on its own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

from ..models import TOKEN_KINDS, MailKind, Notification
from .claims import ClaimQueue, Queue
from .comment_rows import COMMENT_COLUMNS
from .comment_rows import comment as _comment
from .driver import Database, marks
from .enqueue import mail_row

# A reader mail's payload holds its links' tokens, stored nowhere else in clear: once the mail is
# settled they go, and only their hashes remain (store/readers.py, store/my_data.py).
SETTLED_PAYLOAD = (
    ", payload = CASE WHEN kind IN ("
    + ", ".join(f"'{kind.value}'" for kind in TOKEN_KINDS)
    + ") THEN '{}' ELSE payload END"
)


async def _notifications(db: Database, ids: list[int]) -> list[Notification]:
    rows = await db.fetch(
        f"SELECT o.id, o.kind, o.recipient, o.attempts, o.created_at, o.payload, {COMMENT_COLUMNS}"
        " FROM outbox o LEFT JOIN comments c ON c.id = o.comment_id LEFT JOIN threads t ON t.id = c.thread_id"
        f" WHERE o.id IN ({marks(len(ids))}) ORDER BY o.id",
        *ids,
    )
    return [
        Notification(
            id=row[0],
            kind=MailKind(row[1]),
            recipient=db.sealer.open(row[2], "outbox", "recipient", row[0]),
            attempts=row[3],
            created=datetime.fromtimestamp(row[4], UTC),
            payload=json.loads(row[5]),
            comment=None if row[6] is None else _comment(row[6:], db.sealer),
        )
        for row in rows
    ]


OUTBOX = Queue("outbox", _notifications, settled=SETTLED_PAYLOAD)


class MailQueue(ClaimQueue[Notification]):
    def __init__(self, db: Database):
        super().__init__(db, OUTBOX)

    async def add(
        self, kind: MailKind, recipient: str, payload: Mapping[str, object], *, dedupe: str | None = None
    ) -> bool:
        """Put one mail in the outbox, on its own, its payload as JSON as given; with `dedupe`,
        only if no mail has that key yet. Returns whether it was written."""
        async with self._db.transaction() as tx:
            payload_json = json.dumps(payload)
            return bool(
                await mail_row(tx, self._db.sealer, kind, recipient, payload_json, self._db.now(), dedupe=dedupe)
            )
