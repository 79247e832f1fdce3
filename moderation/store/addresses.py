"""Sealed addresses at the store's edge: writing them, the start-up check, the data step that seals
an older database, and `moderation keys rotate|status`.

A row is written with its index and an empty address, then sealed under its id in the same
transaction: the id is only known after the INSERT, and the seal is bound to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import KeyMismatch
from ..sealer import Sealer
from .driver import Database, Fetch, Transaction
from .rekeying import READER_TABLES

# (table, sealed column, index column): every reader address the service stores in full.
SEALED = (
    ("comments", "email", "email_index"),
    ("outbox", "recipient", "recipient_index"),
    ("data_links", "address", "address_key"),  # a /mydata link's address, for its page (my_data.py)
)
BATCH = 500


async def seal_email(tx: Transaction, sealer: Sealer, comment_id: int, address: str) -> None:
    await tx.execute(
        "UPDATE comments SET email = ? WHERE id = ?", sealer.seal(address, "comments", "email", comment_id), comment_id
    )


async def seal_recipient(tx: Transaction, sealer: Sealer, outbox_id: int, address: str) -> None:
    await tx.execute(
        "UPDATE outbox SET recipient = ? WHERE id = ?",
        sealer.seal(address, "outbox", "recipient", outbox_id),
        outbox_id,
    )


async def check_keys(tx: Transaction, sealer: Sealer) -> None:
    """Stop start-up if the keys cannot open what was sealed before: a wrong key would otherwise
    turn every address unreadable and every lookup into a miss, quietly."""
    # The first start writes both; instances starting together race here, and one of them wins.
    await tx.execute(
        "INSERT INTO sealing_checks (purpose, value) VALUES (?, ?), (?, ?) ON CONFLICT (purpose) DO NOTHING",
        "index",
        sealer.index_check(),
        "data",
        sealer.seal("check", "sealing_checks", "value", "data"),
    )
    found: dict[str, str] = {row[0]: row[1] for row in await tx.fetch("SELECT purpose, value FROM sealing_checks")}
    if found["index"] != sealer.index_check():
        raise KeyMismatch("MODERATION_INDEX_KEY: not the key this database was written with")
    try:
        sealer.open_strict(found["data"], "sealing_checks", "value", "data")
    except ValueError as error:
        raise KeyMismatch(f"MODERATION_DATA_KEYS: cannot open this database's addresses: {error}") from None


async def seal_plaintext(tx: Transaction, sealer: Sealer) -> int:
    """One batch of the data step: rows written before sealing (no index yet) are sealed and
    indexed. Returns how many; call until 0. Safe to stop and start again at any point."""
    done = 0
    for table, column, index in SEALED:
        rows = await tx.fetch(f"SELECT id, {column} FROM {table} WHERE {index} IS NULL ORDER BY id LIMIT {BATCH}")
        for row_id, address in rows:
            await tx.execute(
                f"UPDATE {table} SET {column} = ?, {index} = ? WHERE id = ?",
                sealer.seal(address, table, column, row_id),
                sealer.index(address) if address else "",
                row_id,
            )
        done += len(rows)
    return done


async def rotate_batch(tx: Transaction, sealer: Sealer, after: dict[str, int]) -> int:
    """Re-seal up to BATCH rows per table that another key sealed; how many rows were looked at.
    Resumable: each batch commits on its own, and a new run finds what is left by its key id.
    `after` is the last id looked at per table, so rows no key opens are passed, not looked at forever."""
    seen = 0
    newest = f"{sealer.current}:%"
    for table, column, _ in SEALED:
        rows = await tx.fetch(
            f"SELECT id, {column} FROM {table} WHERE id > ? AND {column} <> '' AND {column} NOT LIKE ?"
            f" ORDER BY id LIMIT {BATCH}",
            after.get(table, 0),
            newest,
        )
        seen += len(rows)
        if rows:
            after[table] = int(rows[-1][0])
        for row_id, value in rows:
            # A row that no key opens stays as it is, reported by status, rather than lost.
            try:
                address = sealer.open_strict(value, table, column, row_id)
            except ValueError:
                continue
            await tx.execute(
                f"UPDATE {table} SET {column} = ? WHERE id = ?", sealer.seal(address, table, column, row_id), row_id
            )
    check = await tx.fetch("SELECT value FROM sealing_checks WHERE purpose = 'data' AND value NOT LIKE ?", newest)
    if check:
        address = sealer.open_strict(check[0][0], "sealing_checks", "value", "data")
        await tx.execute(
            "UPDATE sealing_checks SET value = ? WHERE purpose = 'data'",
            sealer.seal(address, "sealing_checks", "value", "data"),
        )
    return seen


@dataclass(frozen=True)
class KeyCounts:
    per_key: dict[str, int]  # rows sealed under each configured key, by id
    other: int  # rows under a key no longer configured (or damaged beyond their key id)
    plain: int  # rows still waiting for the data step
    indexed: int = 0  # readers' rows keyed by the index key alone (they hold no sealed value)
    legacy: int = 0  # do-not-mail entries still keyed under the secret key (store/legacy.py)

    def lines(self) -> list[str]:
        out = [f"{key_id}: {count} rows" for key_id, count in self.per_key.items()]
        out.append(f"under no configured key: {self.other} rows")
        if self.plain:
            out.append(f"not sealed yet: {self.plain} rows (run moderation migrate)")
        out.append(f"readers' rows keyed by MODERATION_INDEX_KEY: {self.indexed} rows")
        out.append(f"do-not-mail entries keyed by MODERATION_SECRET_KEY (legacy): {self.legacy} rows")
        return out


async def counts(fetch: Fetch, sealer: Sealer) -> KeyCounts:
    per_key = dict.fromkeys(sealer.key_ids, 0)
    other = plain = 0
    for table, column, index in SEALED:
        ((total,),) = await fetch(f"SELECT COUNT(*) FROM {table} WHERE {column} <> '' AND {index} IS NOT NULL")
        ((waiting,),) = await fetch(f"SELECT COUNT(*) FROM {table} WHERE {index} IS NULL")
        plain += int(waiting)
        known = 0
        for key_id in sealer.key_ids:
            ((count,),) = await fetch(
                f"SELECT COUNT(*) FROM {table} WHERE {index} IS NOT NULL AND {column} LIKE ?", f"{key_id}:%"
            )
            per_key[key_id] += int(count)
            known += int(count)
        other += int(total) - known
    indexed = 0
    for table in READER_TABLES:
        ((count,),) = await fetch(f"SELECT COUNT(*) FROM {table} WHERE NOT legacy AND address_key <> ''")
        indexed += int(count)
    ((legacy,),) = await fetch("SELECT COUNT(*) FROM do_not_mail WHERE legacy")
    return KeyCounts(per_key, other, plain, indexed, int(legacy))


class Keys:
    """The keys that seal stored addresses: the start-up check, sealing what was stored in clear,
    rotation, and what each key seals."""

    def __init__(self, db: Database):
        self._db = db

    async def check(self) -> None:
        async with self._db.transaction() as tx:
            await check_keys(tx, self._db.sealer)

    async def seal_plaintext(self) -> int:
        """The data step, batch after committed batch: how many addresses it sealed."""
        total = 0
        while True:
            async with self._db.transaction() as tx:
                done = await seal_plaintext(tx, self._db.sealer)
            if not done:
                break
            total += done
        if total:
            await self._db.scrub()
        return total

    async def rotate(self, report: Callable[[int], None] = lambda done: None) -> int:
        """Re-seal every address under the newest data key, in committed batches; how many."""
        total = 0
        after: dict[str, int] = {}
        while True:
            async with self._db.transaction() as tx:
                seen = await rotate_batch(tx, self._db.sealer, after)
            if not seen:
                break
            total += seen
            report(total)
        if total:
            await self._db.scrub()
        return total

    async def counts(self) -> KeyCounts:
        """Stored addresses per data key (and any no configured key opens)."""
        return await counts(self._db.fetch, self._db.sealer)
