"""The one writer of what the policy decided: outbox mail (its recipient sealed) and webhook rows,
in the change's own transaction, which then wakes the senders once it commits."""

from __future__ import annotations

from collections.abc import Sequence

from ..mail.payloads import dump
from ..models import MailKind
from ..policy.writes import Hook, ReaderMail, Write
from ..sealer import Sealer
from . import readers
from .addresses import seal_recipient
from .driver import Transaction


async def enqueue(tx: Transaction, sealer: Sealer, writes: Sequence[Write], now: float) -> int:
    """Write every row; how many were written (a mail whose dedupe key exists already is not)."""
    written = 0
    hooks: list[tuple[str, str, int, str, float, float]] = []
    for write in writes:
        if isinstance(write, Hook):
            hooks.append((write.url, write.event, write.comment_id, write.body, now, now))
        elif isinstance(write, ReaderMail):
            payload = dump(await readers.links(tx, write, now))
            written += await mail_row(
                tx, sealer, write.kind, write.recipient, payload, now, comment_id=write.comment_id
            )
        else:
            payload = "{}" if write.payload is None else dump(write.payload)
            written += await mail_row(
                tx, sealer, write.kind, write.recipient, payload, now, comment_id=write.comment_id, dedupe=write.dedupe
            )
    if hooks:
        await tx.executemany(
            "INSERT INTO webhook_outbox (url, event, comment_id, body, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            hooks,
        )
        tx.wakes_senders = True
    return written + len(hooks)


async def mail_row(
    tx: Transaction,
    sealer: Sealer,
    kind: MailKind,
    recipient: str,
    payload: str,
    now: float,
    *,
    comment_id: int | None = None,
    dedupe: str | None = None,
) -> int:
    """One outbox row, its payload's JSON as given: 1 if written, 0 if its dedupe key exists."""
    written = await tx.fetch(
        "INSERT INTO outbox (kind, comment_id, recipient, recipient_index, payload, dedupe, next_attempt_at,"
        " created_at) VALUES (?, ?, '', ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id",
        kind.value,
        comment_id,
        sealer.index(recipient),
        payload,
        dedupe,
        now,
        now,
    )
    if not written:
        return 0
    await seal_recipient(tx, sealer, int(written[0][0]), recipient)
    tx.wakes_senders = True
    return 1
