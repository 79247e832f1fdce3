"""Readers' tables as they were keyed before the index: their re-keying, and the do-not-mail
entries that cannot be re-keyed.

Before migration 0012 the readers' tables found an address by a keyed hash under the secret key.
Their rows are re-keyed by the index through the comment each subscription belongs to, whose
address is sealed and indexed. A do-not-mail entry whose address was forgotten has no comment
left to say which address it was, so it stays in the old form, marked `legacy`, and is matched by
that form when the address subscribes again: whoever asked never to be mailed again stays unmailed.
"""

from __future__ import annotations

from ..sealer import Sealer
from .driver import Transaction

# Every table keyed by an address's index instead of the address (migration 0009, re-keyed in 0012).
READER_TABLES = ("subscriptions", "subscription_confirmations", "confirmation_marks", "do_not_mail")

# The index an old key stands for, through a subscription not re-keyed yet and its comment.
_NEW_KEY = (
    "SELECT c.email_index FROM subscriptions s JOIN comments c ON c.id = s.comment_id"
    " WHERE s.legacy AND s.address_key = {table}.address_key AND c.email_index <> '' LIMIT 1"
)


async def rekey(tx: Transaction, now: float) -> int:
    """The data step of 0012, after addresses are sealed and indexed: how many rows it re-keyed.
    One transaction, so it is all done or not at all; once done it finds nothing to do."""
    done = 0
    # The tables keyed by address alone first: their mapping goes through the subscriptions.
    for table in ("do_not_mail", "confirmation_marks", "subscription_confirmations"):
        new_key = _NEW_KEY.format(table=table)
        rows = await tx.fetch(
            f"UPDATE {table} SET address_key = ({new_key}), legacy = FALSE"
            f" WHERE legacy AND EXISTS ({new_key}) RETURNING 1"
        )
        done += len(rows)
    comment = "SELECT c.email_index FROM comments c WHERE c.id = subscriptions.comment_id AND c.email_index <> ''"
    rows = await tx.fetch(
        f"UPDATE subscriptions SET address_key = ({comment}), legacy = FALSE"
        f" WHERE legacy AND EXISTS ({comment}) RETURNING 1"
    )
    done += len(rows)
    # Left: subscriptions of comments whose address was erased (they can mail nobody), and the
    # confirmations of addresses with no subscription left (they can start none).
    await tx.execute(
        "UPDATE subscriptions SET address_key = '', legacy = FALSE, status = 'ended',"
        " ended_at = COALESCE(ended_at, ?) WHERE legacy",
        now,
    )
    await tx.execute("DELETE FROM subscription_confirmations WHERE legacy")
    await tx.execute("DELETE FROM confirmation_marks WHERE legacy")
    return done


async def adopt_do_not_mail(tx: Transaction, sealer: Sealer, address: str) -> None:
    """An address subscribes: a do-not-mail entry left in the old form for it takes the index form,
    so that every check by index honours it from now on."""
    old = sealer.legacy_key(address)
    if not old:
        return
    moved = await tx.fetch("DELETE FROM do_not_mail WHERE address_key = ? AND legacy RETURNING created_at", old)
    if moved:
        await tx.execute(
            "INSERT INTO do_not_mail (address_key, created_at) VALUES (?, ?) ON CONFLICT (address_key) DO NOTHING",
            sealer.index(address),
            moved[0][0],
        )
