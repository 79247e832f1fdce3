"""The webhooks as a claim queue (claims.py): rows written by enqueue.py, one delivery per URL at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from ..models import Webhook
from .claims import Queue
from .driver import Database, marks


async def _webhooks(db: Database, ids: list[int]) -> list[Webhook]:
    rows = await db.fetch(
        "SELECT id, url, event, comment_id, body, attempts, created_at FROM webhook_outbox"
        f" WHERE id IN ({marks(len(ids))}) ORDER BY id",
        *ids,
    )
    return [
        Webhook(
            id=row[0],
            url=row[1],
            event=row[2],
            comment_id=row[3],
            body=row[4],
            attempts=row[5],
            created=datetime.fromtimestamp(row[6], UTC),
        )
        for row in rows
    ]


WEBHOOKS = Queue("webhook_outbox", _webhooks, lane="url")
