"""What is kept under one address, for its owner (/mydata): the day's link, what it shows and
downloads; `forget` (comments.py) erases it.

One `data_links` row per address, keyed by its index (Sealer.index): it is both the link (its
token kept as SHA-256, the address sealed for the page to show) and the mark that limits the
address to one mail a day. Only an address with something kept gets a link, so a request for
any other leaves nothing behind.
"""

from __future__ import annotations

from ..events import DataRequested
from ..models import MailKind
from ..personal_data import LINK_TTL, DataLink, Kept, KeptComment, KeptMail, KeptSubscription
from ..sealer import Sealer
from ..tokens import new_token, token_hash
from .driver import Database, Fetch, Transaction
from .enqueue import Consequences

ASK_EVERY = 86400.0  # an address is mailed at most one link in this time


def _do_not_mail_keys(sealer: Sealer, address: str) -> tuple[str, str]:
    """The address's do-not-mail keys: its index, and the older form an entry may still have (rekeying.py)."""
    index = sealer.index(address)
    return index, sealer.legacy_key(address) or index


async def _keeps_anything(tx: Transaction, sealer: Sealer, address: str) -> bool:
    index = sealer.index(address)
    rows = await tx.fetch(
        "SELECT 1 FROM comments WHERE email_index = ?"
        " UNION ALL SELECT 1 FROM subscriptions WHERE address_key = ?"
        " UNION ALL SELECT 1 FROM do_not_mail WHERE address_key IN (?, ?)"
        # Its own earlier /mydata mail does not count: alone, it would keep the address asking.
        " UNION ALL SELECT 1 FROM outbox WHERE recipient_index = ? AND kind <> ? LIMIT 1",
        index,
        index,
        *_do_not_mail_keys(sealer, address),
        index,
        MailKind.MY_DATA.value,
    )
    return bool(rows)


async def _purge(tx: Transaction, now: float) -> int:
    """Links and marks past their day: nothing of them is needed any more."""
    gone = await tx.fetch("DELETE FROM data_links WHERE created_at <= ? RETURNING id", now - max(ASK_EVERY, LINK_TTL))
    return len(gone)


async def forget(tx: Transaction, address_index: str) -> int:
    """`moderation forget`: the link stops working and its sealed address goes, the mark stays
    until its day is over; the /mydata mail to the address goes. How many mails went."""
    await tx.execute("UPDATE data_links SET address = '', token_hash = NULL WHERE address_key = ?", address_index)
    gone = await tx.fetch(
        "DELETE FROM outbox WHERE recipient_index = ? AND kind = ? RETURNING id", address_index, MailKind.MY_DATA.value
    )
    return len(gone)


async def _comments(fetch: Fetch, index: str) -> tuple[KeptComment, ...]:
    rows = await fetch(
        "SELECT c.id, t.key, t.title, c.parent_id, c.name, c.website, c.body, c.status, c.lang, c.created_at,"
        " c.decided_at FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.email_index = ? ORDER BY c.id",
        index,
    )
    return tuple(
        KeptComment(
            id=int(row[0]),
            thread=row[1],
            title=row[2],
            parent=row[3],
            name=row[4],
            website=row[5],
            text=row[6],
            state=row[7],
            lang=row[8] or "",
            created=float(row[9]),
            decided=row[10],
        )
        for row in rows
    )


async def _subscriptions(fetch: Fetch, index: str) -> tuple[KeptSubscription, ...]:
    rows = await fetch(
        "SELECT comment_id, status, created_at, published_at, confirmed_at, ended_at FROM subscriptions"
        " WHERE address_key = ? OR comment_id IN (SELECT id FROM comments WHERE email_index = ?) ORDER BY id",
        index,
        index,
    )
    return tuple(KeptSubscription(int(row[0]), row[1], float(row[2]), row[3], row[4], row[5]) for row in rows)


async def _mails(fetch: Fetch, index: str) -> tuple[KeptMail, ...]:
    rows = await fetch(
        "SELECT kind, status, comment_id, created_at, sent_at FROM outbox WHERE recipient_index = ? ORDER BY id", index
    )
    return tuple(KeptMail(row[0], row[1], row[2], float(row[3]), row[4]) for row in rows)


class MyData:
    def __init__(self, db: Database, consequences: Consequences):
        self._db = db
        self._consequences = consequences

    async def request(self, address: str, lang: str) -> bool:
        """Someone asked for the address's data: its link and mail are written if anything is
        kept under it and it was not mailed one in the last day. Whether they were."""
        now = self._db.now()
        sealer = self._db.sealer
        async with self._db.transaction() as tx:
            await _purge(tx, now)
            if not await _keeps_anything(tx, sealer, address):
                return False
            token, hashed = new_token()
            # One statement claims the day: of two requests at once (two instances), one writes.
            claimed = await tx.fetch(
                "INSERT INTO data_links (address_key, address, token_hash, created_at) VALUES (?, '', ?, ?)"
                " ON CONFLICT (address_key) DO NOTHING RETURNING id",
                sealer.index(address),
                hashed,
                now,
            )
            if not claimed:
                return False
            link_id = int(claimed[0][0])
            sealed = sealer.seal(address, "data_links", "address", link_id)
            await tx.execute("UPDATE data_links SET address = ? WHERE id = ?", sealed, link_id)
            await self._consequences.write(tx, [DataRequested(address, token, lang)])
        return True

    async def purge(self) -> int:
        """The daily clean-up (retention.py), for the days nobody asks: how many rows went."""
        async with self._db.transaction() as tx:
            return await _purge(tx, self._db.now())

    async def link(self, token: str) -> DataLink | None:
        """The link's address, if the token is one that still works; None otherwise."""
        rows = await self._db.fetch(
            "SELECT id, address, address_key, created_at FROM data_links WHERE token_hash = ? AND created_at > ?",
            token_hash(token),
            self._db.now() - LINK_TTL,
        )
        if not rows:
            return None
        link_id, sealed, key, created = rows[0]
        return DataLink(self._db.sealer.open(sealed, "data_links", "address", link_id), key, float(created))

    async def kept(self, link: DataLink) -> Kept:
        """Everything kept under the link's address."""
        fetch = self._db.fetch
        index = link.address_key
        never = await fetch(
            "SELECT created_at FROM do_not_mail WHERE address_key IN (?, ?) ORDER BY created_at",
            *_do_not_mail_keys(self._db.sealer, link.address),
        )
        confirmations = await fetch(
            "SELECT created_at, used_at FROM subscription_confirmations WHERE address_key = ? ORDER BY created_at",
            index,
        )
        return Kept(
            address=link.address,
            comments=await _comments(fetch, index),
            subscriptions=await _subscriptions(fetch, index),
            do_not_mail=tuple(float(row[0]) for row in never),
            confirmations=tuple((float(row[0]), row[1]) for row in confirmations),
            mails=await _mails(fetch, index),
            link_created=link.created,
        )
