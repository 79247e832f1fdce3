"""The webhooks' claim queue, mixed into SqlStore: rows (written by enqueue.py) claimed and settled like mail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from ..models import Backlog, Webhook
from . import claims
from .driver import StoreBase, marks

TABLE: claims.Table = "webhook_outbox"


def _not_to(busy: Sequence[str]) -> tuple[str, ...]:
    """The condition (and its arguments) that leaves out the webhooks to URLs being delivered to."""
    return (f" AND o.url NOT IN ({marks(len(busy))})", *busy) if busy else ()


class WebhookSql:
    async def claim_webhooks(
        self: StoreBase, sender: str, silent_after: float, limit: int, busy: Sequence[str] = ()
    ) -> list[Webhook]:
        claimed = await claims.claim(self, TABLE, sender, silent_after, limit, *_not_to(busy))
        if not claimed:
            return []
        rows = await self.fetch(
            "SELECT id, url, event, comment_id, body, attempts, created_at FROM webhook_outbox"
            f" WHERE id IN ({marks(len(claimed))}) ORDER BY id",
            *claimed,
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

    async def release_webhooks(self: StoreBase, sender: str, webhook_ids: Sequence[int] = ()) -> None:
        await claims.release(self, TABLE, sender, webhook_ids)

    async def release_webhook_claims(self: StoreBase) -> None:
        """Nothing by default: other instances may hold live claims."""

    async def mark_webhook_sent(self: StoreBase, webhook_id: int) -> None:
        await claims.mark_sent(self, TABLE, webhook_id)

    async def mark_webhook_retry(self: StoreBase, webhook_id: int, delay: float, error: str) -> None:
        await claims.mark_retry(self, TABLE, webhook_id, delay, error)

    async def mark_webhook_failed(self: StoreBase, webhook_id: int, error: str) -> None:
        await claims.mark_failed(self, TABLE, webhook_id, error)

    async def next_webhook_due(self: StoreBase, busy: Sequence[str] = ()) -> float | None:
        return await claims.next_due(self, TABLE, *_not_to(busy))

    async def webhook_backlog(self: StoreBase) -> Backlog:
        return await claims.backlog(self, TABLE)
