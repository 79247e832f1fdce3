"""The storage: one database (driver.py) and the small repositories that hold it, so that SQL
never leaves this package. Each repository is an attribute of Store: store.comments.decide(...)."""

from __future__ import annotations

from collections.abc import Callable

from ..config import Config
from ..links import Links
from ..models import Webhook
from .addresses import Keys
from .api_tokens import ApiTokens
from .challenges import SpentChallenges
from .claims import ClaimQueue
from .comments import Comments
from .digests import Digests
from .driver import Database
from .enqueue import Consequences
from .exports import Exports
from .imports import Imports
from .mine import Mine
from .my_data import MyData
from .outbox import MailQueue
from .readers import Readers
from .rekeying import rekey
from .sessions import Sessions
from .spam_model import SpamModel
from .sqlite import SqliteDatabase
from .threads import Threads
from .webhooks import WEBHOOKS


class Store:
    """The repositories on one database, and what concerns the database as a whole."""

    def __init__(self, db: Database, config: Config, links: Links):
        self._db = db
        consequences = Consequences(db, config, links)
        self.comments = Comments(db, consequences, config.language, config.close_after_days)
        self.mine = Mine(db, consequences, config.language)
        self.threads = Threads(db)
        self.sessions = Sessions(db, consequences)
        self.readers = Readers(db)
        self.my_data = MyData(db, consequences)
        self.mail = MailQueue(db)
        self.webhooks: ClaimQueue[Webhook] = ClaimQueue(db, WEBHOOKS)
        self.digests = Digests(db)
        self.keys = Keys(db)
        self.imports = Imports(db, config.language)
        self.exports = Exports(db)
        self.api_tokens = ApiTokens(db)
        self.spam_model = SpamModel(db)
        self.challenges = SpentChallenges(db)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` after each commit that wrote mail or webhooks (create_app: wake the senders)."""
        self._db.on_commit = callback

    async def migrate(self) -> list[str]:
        """SQL migrations, then the data steps: seal what an older version stored in clear, key the
        readers' tables by the index, judge which comments ask a question, and rebuild the spam
        model if its features changed. Returns what was applied."""
        applied = await self._db.migrate_sql()
        await self.keys.check()
        sealed = await self.keys.seal_plaintext()
        if sealed:
            applied.append(f"sealed {sealed} stored addresses")
        # After the sealing: the re-keying reads the index of every comment's address.
        async with self._db.transaction() as tx:
            rekeyed = await rekey(tx, self._db.now())
        if rekeyed:
            applied.append(f"re-keyed {rekeyed} reader rows by the index key")
        judged = await self.comments.judge_questions()
        if judged:
            applied.append(f"judged whether {judged} comments ask a question")
        relearned = await self.spam_model.upgrade()
        if relearned:
            applied.append(f"rebuilt the spam model from {relearned} decided comments: its features changed")
        return applied

    async def ping(self) -> None:
        """Raise StoreUnavailable if the database cannot be reached."""
        await self._db.fetch("SELECT 1")

    async def close(self) -> None:
        await self._db.close()


async def open_store(config: Config, clock: Callable[[], float], links: Links) -> Store:
    """`links`: the addresses what follows a change gives (app.service_links, away from an app)."""
    path = config.sqlite_path
    sealer = config.sealer()
    db: Database
    if path is None:
        # Imported here: asyncpg is a few MB that a SQLite instance never needs.
        from .postgres import PostgresDatabase

        db = await PostgresDatabase.open(
            config.database_url, clock=clock, sealer=sealer, listen_retry=config.listen_retry
        )
    else:
        db = await SqliteDatabase.open(path, clock=clock, sealer=sealer)
    return Store(db, config, links)
