"""Readers' subscriptions: their links, and what a publication means for them.

A subscription belongs to one comment whose author ticked "email me"; the address is that
comment's own, and `address_key` is its index (Sealer.index, as the comment's `email_index`), which
also finds the address's confirmations and do-not-mail entry: none of these tables holds the
address itself. Tokens in reader mail are random, one per mail, and stored only as SHA-256:
the raw token lives in the outbox row until its mail is sent (see outbox.py: SETTLED_PAYLOAD).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..mail.payloads import PublishedMail, ReplyMail
from ..models import Confirmed, MailKind, Unsubscribed
from ..policy.writes import NO_FACTS, Facts, Published, ReaderMail, Subscribed, Subscriber
from ..sealer import Sealer, normalised
from ..tokens import new_token, token_hash
from . import rekeying
from .driver import Database, Row, Transaction, marks

CONFIRM_EVERY = 86400.0  # at most one confirmation mail per address in this time
CONFIRM_WITHIN = 7 * 86400.0  # a subscription not confirmed by then has expired, and so has the link


async def _unsubscribe_token(tx: Transaction, subscription_id: int, now: float) -> str:
    token, hashed = new_token()
    await tx.execute(
        "INSERT INTO unsubscribe_links (token_hash, subscription_id, created_at) VALUES (?, ?, ?)",
        hashed,
        subscription_id,
        now,
    )
    return token


async def add_subscriptions(tx: Transaction, sealer: Sealer, wanted: Sequence[tuple[int, str]], now: float) -> None:
    """(comment id, address) of new comments whose authors ticked "email me": nothing is sent yet."""
    if wanted:
        await tx.executemany(
            "INSERT INTO subscriptions (comment_id, address_key, created_at) VALUES (?, ?, ?)",
            [(comment_id, sealer.index(address), now) for comment_id, address in wanted],
        )
        for address in {normalised(address) for _, address in wanted}:
            await rekeying.adopt_do_not_mail(tx, sealer, address)


async def facts(tx: Transaction, sealer: Sealer, approved: Sequence[int], now: float) -> dict[int, Facts]:
    """What publishing these comments means for readers, per comment: their authors' subscriptions,
    moved along as published (see _publish), and the subscribers of the comments they answer."""
    found: dict[int, Facts] = {}
    if not approved:
        return found
    rows = await tx.fetch(
        "SELECT s.id, s.comment_id, s.address_key, c.email FROM subscriptions s JOIN comments c ON c.id = s.comment_id"
        f" WHERE s.comment_id IN ({marks(len(approved))}) AND s.status = 'requested' ORDER BY s.id",
        *approved,
    )
    for subscription_id, comment_id, key, address in rows:
        opened = sealer.open(address, "comments", "email", comment_id)
        state = await _publish(tx, subscription_id, key, now)
        published = Published(comment_id, subscription_id, opened, key, state)
        before = found.get(comment_id, NO_FACTS)
        found[comment_id] = replace(before, published=(*before.published, published))
    # After the authors' subscriptions moved: one that became active hears of a reply approved with it.
    rows = await tx.fetch(
        "SELECT r.id, s.id, p.email, p.id, p.lang,"
        " CASE WHEN r.email_index <> p.email_index THEN 0 ELSE 1 END,"
        " CASE WHEN EXISTS (SELECT 1 FROM do_not_mail d WHERE d.address_key = s.address_key) THEN 1 ELSE 0 END"
        " FROM comments r JOIN subscriptions s ON s.comment_id = r.parent_id AND s.status = 'active'"
        " JOIN comments p ON p.id = s.comment_id"
        f" WHERE r.id IN ({marks(len(approved))}) ORDER BY r.id",
        *approved,
    )
    for reply_id, subscription_id, address, parent_id, lang, own, never in rows:
        opened = sealer.open(address, "comments", "email", parent_id)
        subscriber = Subscriber(reply_id, subscription_id, opened, lang or "", bool(own), bool(never))
        before = found.get(reply_id, NO_FACTS)
        found[reply_id] = replace(before, subscribers=(*before.subscribers, subscriber))
    return found


async def _publish(tx: Transaction, subscription_id: int, key: str, now: float) -> Subscribed:
    """One subscribed comment is published: its subscription ends, starts, or waits for a confirmation."""
    if await tx.fetch("SELECT 1 FROM do_not_mail WHERE address_key = ?", key):
        await tx.execute("UPDATE subscriptions SET status = 'ended', ended_at = ? WHERE id = ?", now, subscription_id)
        return Subscribed.ENDED
    # An address that confirmed before has shown it asked: no second opt-in.
    if await tx.fetch("SELECT 1 FROM subscriptions WHERE address_key = ? AND status = 'active' LIMIT 1", key):
        await tx.execute(
            "UPDATE subscriptions SET status = 'active', published_at = ?, confirmed_at = ? WHERE id = ?",
            now,
            now,
            subscription_id,
        )
        return Subscribed.ACTIVE
    await tx.execute("UPDATE subscriptions SET status = 'waiting', published_at = ? WHERE id = ?", now, subscription_id)
    # One statement claims the day's confirmation: a racing approval waits on the row, then
    # finds it taken. Taken: the confirmation sent today activates this one too, and nothing
    # more goes to an address that has not confirmed (the form cannot flood anyone).
    claimed = await tx.fetch(
        "INSERT INTO confirmation_marks (address_key, sent_at) VALUES (?, ?) ON CONFLICT (address_key)"
        " DO UPDATE SET sent_at = excluded.sent_at WHERE confirmation_marks.sent_at <= ? RETURNING address_key",
        key,
        now,
        now - CONFIRM_EVERY,
    )
    return Subscribed.CONFIRM if claimed else Subscribed.WAITING


async def links(tx: Transaction, mail: ReaderMail, now: float) -> PublishedMail | ReplyMail:
    """A reader mail's payload: its links' tokens, minted now and stored only as their hashes."""
    unsubscribe = await _unsubscribe_token(tx, mail.subscription_id, now)
    if mail.kind is MailKind.REPLY:
        return ReplyMail(unsubscribe=unsubscribe, lang=mail.lang)
    confirm = None
    if mail.confirm is not None:
        confirm, hashed = new_token()
        await tx.execute(
            "INSERT INTO subscription_confirmations (token_hash, address_key, created_at) VALUES (?, ?, ?)",
            hashed,
            mail.confirm,
            now,
        )
    return PublishedMail(confirm=confirm, unsubscribe=unsubscribe)


async def forget(tx: Transaction, comment_ids: Sequence[int], address_index: str) -> tuple[int, int]:
    """`moderation forget`: the address's subscriptions (of its comments, and any other keyed by it),
    their links and its reader mail go; do-not-mail stays. How many mails and subscriptions went."""
    id_marks = marks(len(comment_ids)) if comment_ids else "NULL"
    subscriptions = [
        int(row[0])
        for row in await tx.fetch(
            f"SELECT id FROM subscriptions WHERE address_key = ? OR comment_id IN ({id_marks})",
            address_index,
            *comment_ids,
        )
    ]
    if subscriptions:
        subscription_marks = marks(len(subscriptions))
        await tx.execute(
            f"DELETE FROM unsubscribe_links WHERE subscription_id IN ({subscription_marks})", *subscriptions
        )
        await tx.execute(f"DELETE FROM subscriptions WHERE id IN ({subscription_marks})", *subscriptions)
    await tx.execute("DELETE FROM subscription_confirmations WHERE address_key = ?", address_index)
    await tx.execute("DELETE FROM confirmation_marks WHERE address_key = ?", address_index)
    gone = await tx.fetch(
        "DELETE FROM outbox WHERE recipient_index = ? AND kind IN (?, ?) RETURNING id",
        address_index,
        MailKind.PUBLISHED.value,
        MailKind.REPLY.value,
    )
    return len(gone), len(subscriptions)


CONFIRMATION = (
    "SELECT c.address_key, c.created_at, c.used_at, d.address_key FROM subscription_confirmations c"
    " LEFT JOIN do_not_mail d ON d.address_key = c.address_key WHERE c.token_hash = ?"
)


def _confirmation_state(rows: list[Row], now: float) -> Confirmed:
    """Where a confirmation link stands, from its row (CONFIRMATION): OPEN if it may confirm."""
    if not rows:
        return Confirmed.UNKNOWN
    _, created, used, never = rows[0]
    if never is not None:
        return Confirmed.REFUSED
    if used is not None:
        return Confirmed.ALREADY
    return Confirmed.EXPIRED if created <= now - CONFIRM_WITHIN else Confirmed.OPEN


class Readers:
    def __init__(self, db: Database):
        self._db = db

    async def confirmation(self, token: str) -> Confirmed:
        """What the confirmation link would do, changing nothing."""
        return _confirmation_state(await self._db.fetch(CONFIRMATION, token_hash(token)), self._db.now())

    async def confirm(self, token: str) -> Confirmed:
        now = self._db.now()
        async with self._db.transaction() as tx:
            rows = await tx.fetch(CONFIRMATION, token_hash(token))
            state = _confirmation_state(rows, now)
            if state is not Confirmed.OPEN:
                return state
            key = rows[0][0]
            await tx.execute(
                "UPDATE subscription_confirmations SET used_at = ? WHERE token_hash = ?", now, token_hash(token)
            )
            # Every subscription of the address still waiting (not expired) starts; the expired end.
            await tx.execute(
                "UPDATE subscriptions SET status = 'active', confirmed_at = ?"
                " WHERE address_key = ? AND status = 'waiting' AND published_at > ?",
                now,
                key,
                now - CONFIRM_WITHIN,
            )
            await tx.execute(
                "UPDATE subscriptions SET status = 'ended', ended_at = ? WHERE address_key = ? AND status = 'waiting'",
                now,
                key,
            )
        return Confirmed.CONFIRMED

    async def unsubscription(self, token: str) -> Unsubscribed:
        rows = await self._db.fetch(
            "SELECT s.status, d.address_key, t.key FROM unsubscribe_links u"
            " JOIN subscriptions s ON s.id = u.subscription_id"
            " JOIN comments c ON c.id = s.comment_id JOIN threads t ON t.id = c.thread_id"
            " LEFT JOIN do_not_mail d ON d.address_key = s.address_key WHERE u.token_hash = ?",
            token_hash(token),
        )
        if not rows:
            return Unsubscribed(found=False)
        status, never, thread = rows[0]
        return Unsubscribed(found=True, ended=status == "ended", never=never is not None, thread=thread)

    async def unsubscribe(self, token: str, *, never: bool) -> Unsubscribed:
        """End the link's subscription; with `never`, every one of the address, now and to come."""
        now = self._db.now()
        async with self._db.transaction() as tx:
            rows = await tx.fetch(
                "SELECT s.id, s.address_key FROM unsubscribe_links u JOIN subscriptions s ON s.id = u.subscription_id"
                " WHERE u.token_hash = ?",
                token_hash(token),
            )
            if not rows:
                return Unsubscribed(found=False)
            subscription_id, key = rows[0]
            await tx.execute(
                "UPDATE subscriptions SET status = 'ended', ended_at = ? WHERE id = ? AND status <> 'ended'",
                now,
                subscription_id,
            )
            if never:
                await tx.execute(
                    "INSERT INTO do_not_mail (address_key, created_at) VALUES (?, ?)"
                    " ON CONFLICT (address_key) DO NOTHING",
                    key,
                    now,
                )
                await tx.execute(
                    "UPDATE subscriptions SET status = 'ended', ended_at = ?"
                    " WHERE address_key = ? AND status <> 'ended'",
                    now,
                    key,
                )
        return await self.unsubscription(token)

    async def end_subscriptions_of(self, address: str) -> int:
        """The address's mail server says it does not exist: stop mailing it."""
        ended = await self._db.write(
            "UPDATE subscriptions SET status = 'ended', ended_at = ? WHERE status <> 'ended'"
            " AND comment_id IN (SELECT id FROM comments WHERE email_index = ?) RETURNING id",
            self._db.now(),
            self._db.sealer.index(address),
        )
        return len(ended)
