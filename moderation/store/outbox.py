"""The outbox's SQL: claiming mail under a sender's name, heartbeats, what became of each
mail, and the digests' bookkeeping (digests.py). Mixed into SqlStore."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from ..mail.payloads import DigestMail
from ..models import READER_KINDS, Backlog, Comment, Listing, MailKind, Notification
from . import claims, digests
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM
from .comment_rows import comment as _comment
from .driver import StoreBase, marks
from .enqueue import mail_row

# A reader mail's payload holds its links' tokens, stored nowhere else in clear: once the mail is
# settled they go, and only their hashes remain (store/readers.py).
SETTLED_PAYLOAD = (
    "payload = CASE WHEN kind IN ("
    + ", ".join(f"'{kind.value}'" for kind in READER_KINDS)
    + ") THEN '{}' ELSE payload END"
)


class OutboxSql:
    async def claim_notifications(self: StoreBase, sender: str, silent_after: float, limit: int) -> list[Notification]:
        claimed = await claims.claim(self, "outbox", sender, silent_after, limit)
        if not claimed:
            return []
        # Read after the claim committed: the rows are ours while this sender is seen alive.
        rows = await self.fetch(
            f"SELECT o.id, o.kind, o.recipient, o.attempts, o.created_at, o.payload, {COMMENT_COLUMNS}"
            " FROM outbox o LEFT JOIN comments c ON c.id = o.comment_id LEFT JOIN threads t ON t.id = c.thread_id"
            f" WHERE o.id IN ({marks(len(claimed))}) ORDER BY o.id",
            *claimed,
        )
        return [
            Notification(
                id=row[0],
                kind=MailKind(row[1]),
                recipient=self._sealer.open(row[2], "outbox", "recipient", row[0]),
                attempts=row[3],
                created=datetime.fromtimestamp(row[4], UTC),
                payload=json.loads(row[5]),
                comment=None if row[6] is None else _comment(row[6:], self._sealer),
            )
            for row in rows
        ]

    async def add_mail(
        self: StoreBase, kind: MailKind, recipient: str, payload: Mapping[str, object], *, dedupe: str | None = None
    ) -> bool:
        async with self.transaction() as tx:
            return bool(
                await mail_row(tx, self._sealer, kind, recipient, json.dumps(payload), self._clock(), dedupe=dedupe)
            )

    # --- digests (the SQL is in digests.py) ---

    async def digest_marks(self: StoreBase) -> dict[str, float]:
        return await digests.marks_of(self.fetch)

    async def waiting_before(self: StoreBase, until: float, limit: int) -> digests.Waiting:
        return await digests.pending_before(self.fetch, until, limit)

    async def folded_waiting(
        self: StoreBase, moderator: str, since: float, until: float, limit: int
    ) -> digests.Waiting:
        return await digests.folded_pending(self.fetch, self._sealer.index(moderator), since, until, limit)

    async def add_digest(
        self: StoreBase, moderator: str, payload: DigestMail, *, dedupe: str, covered_until: float
    ) -> bool:
        async with self.transaction() as tx:
            return await digests.add_digest(
                tx, self._sealer, moderator, payload, dedupe=dedupe, covered_until=covered_until, now=self._clock()
            )

    async def mails_sent_since(self: StoreBase, recipient: str, kind: MailKind, since: float) -> int:
        return await digests.sent_since(self.fetch, self._sealer.index(recipient), kind, since)

    async def fold(self: StoreBase, notification_ids: Sequence[int]) -> None:
        sql, args = digests.fold(notification_ids, self._clock())
        await self.write(sql, *args, durable=False)

    async def digest_listing(self: StoreBase, comment_ids: Sequence[int]) -> Listing:
        found: dict[int, Comment] = {}
        if comment_ids:
            rows = await self.fetch(
                f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))})", *comment_ids
            )
            found = {comment.id: comment for comment in (_comment(row, self._sealer) for row in rows)}
        listed = tuple(found[id_] for id_ in comment_ids if id_ in found)  # a forgotten one is gone
        return Listing(listed, await digests.pending_count(self.fetch))

    async def heartbeat(self: StoreBase, sender: str, forget_after: float) -> None:
        now = self._clock()
        async with self.transaction(durable=False) as tx:
            await tx.execute(
                "INSERT INTO senders (id, seen_at) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                sender,
                now,
            )
            await tx.execute("DELETE FROM senders WHERE seen_at < ?", now - forget_after)

    async def release(self: StoreBase, sender: str, notification_ids: Sequence[int] = ()) -> None:
        await claims.release(self, "outbox", sender, notification_ids)

    async def sign_off(self: StoreBase, sender: str) -> None:
        # A sender's name is its own: whichever table it claimed from, its claims are free now.
        for table in claims.TABLES:
            await claims.release(self, table, sender)
        await self.write("DELETE FROM senders WHERE id = ?", sender, durable=False)

    async def release_claims(self: StoreBase) -> None:
        """Nothing by default: other instances may hold live claims."""

    async def mark_sent(self: StoreBase, notification_id: int) -> None:
        await claims.mark_sent(self, "outbox", notification_id, f", {SETTLED_PAYLOAD}")

    async def mark_retry(self: StoreBase, notification_id: int, delay: float, error: str) -> None:
        await claims.mark_retry(self, "outbox", notification_id, delay, error)

    async def mark_failed(self: StoreBase, notification_id: int, error: str) -> None:
        await claims.mark_failed(self, "outbox", notification_id, error, f", {SETTLED_PAYLOAD}")

    async def next_due(self: StoreBase) -> float | None:
        return await claims.next_due(self, "outbox")

    async def backlog(self: StoreBase) -> Backlog:
        return await claims.backlog(self, "outbox")
