"""The storage interface: domain methods only, so that SQL never leaves this package."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from ..config import Config
from ..mail.payloads import DigestMail
from ..models import (
    Action,
    AuditEntry,
    Backlog,
    ByHand,
    Channel,
    Comment,
    CommentStatus,
    Confirmed,
    Decided,
    ExportedComment,
    Forgotten,
    Listing,
    MailKind,
    ModeratorSession,
    NewComment,
    Notification,
    QueuePage,
    SigninLink,
    Thread,
    ThreadState,
    Unsubscribed,
    Webhook,
)
from .addresses import KeyCounts
from .digests import Waiting
from .imports import ImportedComment
from .sqlite import SqliteStore


class Store(Protocol):
    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""

    on_commit: Callable[[], None]  # called after each commit that wrote rows a sender sends

    async def add_comment(self, comment: NewComment) -> int:
        """Store a comment and what the policy says follows from it (mail, webhooks), atomically.

        Raises InvalidParent if `comment.parent` is not an approved comment of the same thread.
        """

    async def has_comment_body(self, thread: str, body: str) -> bool:
        """Whether this exact text was already posted on this page, in any state."""

    async def get_comment(self, comment_id: int) -> Comment | None: ...

    async def thread_state(self, key: str) -> ThreadState:
        """One indexed lookup: the thread's version, a number that changes whenever its approved
        comments do (0: no thread), and what decides whether it is closed."""

    async def set_by_hand(self, key: str, by_hand: ByHand) -> ThreadState:
        """Close or open a thread whatever its age, even one with no comment yet; its state before."""

    async def set_title(self, key: str, title: str) -> str:
        """The operator's title for a thread, even one with no comment yet ("": none, until an
        approved comment gives one); the title before."""

    async def approved_thread(self, key: str) -> Thread:
        """The approved comments of a thread, oldest first (an empty thread if unknown)."""

    async def approved_counts(self, keys: Sequence[str]) -> dict[str, int]: ...

    async def recent_approved(self, limit: int) -> list[Comment]:
        """The latest approved comments of every thread, newest first."""

    async def decide(
        self, comment_ids: Sequence[int], action: Action, *, actor: str, channel: Channel, reason: str | None = None
    ) -> list[Decided]:
        """Carry out a moderator's action on each comment still in a state it applies to.

        Each change appends its audit entry in the same transaction. Returns every comment that
        exists as it now is, whether this call changed it, and its latest audit entry (for one
        decided already: who did, through what, when).
        """

    async def last_decisions(self, comment_ids: Sequence[int]) -> dict[int, AuditEntry]:
        """The latest audit entry of each comment."""

    async def audit_log(self, since: float) -> list[AuditEntry]:
        """The audit entries from then on, oldest first."""

    async def queue(self, status: CommentStatus, after: str | None, limit: int) -> QueuePage:
        """Up to `limit` comments in that state (pending oldest first, the others newest first),
        from just after the cursor of the page before. ClientError for a cursor not made here."""

    async def count_by_status(self, statuses: Sequence[CommentStatus]) -> dict[CommentStatus, int]: ...

    async def reply_as_site(
        self, parent_id: int, reply: NewComment, *, actor: str
    ) -> tuple[Decided | None, int | None]:
        """Approve a comment if it waits and publish the site's reply to it, in one transaction:
        the comment as it now is (None: gone), and the reply's id (None: not published)."""

    async def add_signin_link(self, moderator: str, ttl: float) -> str:
        """A new sign-in link for a moderator, and its mail in the outbox; the link's id."""

    async def signin_link(self, link_id: str) -> SigninLink | None: ...

    async def sign_in(self, link_id: str, session_key: str, *, idle: float, lifetime: float) -> str | None:
        """Use a link (once, before it expires) to open a session; the moderator, or None."""

    async def moderator_session(self, key: str, *, idle: float, lifetime: float) -> ModeratorSession | None:
        """The session, if neither idle nor old past its limits, marked as seen now."""

    async def set_flash(self, key: str, flash: str) -> None: ...

    async def end_session(self, key: str) -> None: ...

    async def claim_notifications(self, sender: str, silent_after: float, limit: int) -> list[Notification]:
        """Take due notifications for `sender`: nobody else gets them while it keeps beating.

        Rows claimed by a sender unseen for `silent_after` seconds are free again.
        """

    async def add_mail(
        self, kind: MailKind, recipient: str, payload: Mapping[str, object], *, dedupe: str | None = None
    ) -> bool:
        """Put one mail in the outbox, on its own, its payload as JSON as given; with `dedupe`, only if no
        mail has that key yet.

        Returns whether it was written.
        """

    async def digest_marks(self) -> dict[str, float]:
        """Each moderator's latest digest covered what arrived before this time (Unix seconds)."""

    async def waiting_before(self, until: float, limit: int) -> Waiting:
        """Pending comments that arrived before `until`: how many, the oldest `limit`, the newest's time."""

    async def folded_waiting(self, moderator: str, since: float, until: float, limit: int) -> Waiting:
        """Pending comments whose mail to `moderator` was folded (burst cap) in [since, until)."""

    async def add_digest(self, moderator: str, payload: DigestMail, *, dedupe: str, covered_until: float) -> bool:
        """Write a digest unless one with this key exists, and move the moderator's mark with it.

        Returns whether it was written.
        """

    async def mails_sent_since(self, recipient: str, kind: MailKind, since: float) -> int:
        """How many mails of this kind went to `recipient` from then on."""

    async def fold(self, notification_ids: Sequence[int]) -> None:
        """Settle these mails without sending them: the next digest lists their comments."""

    async def digest_listing(self, comment_ids: Sequence[int]) -> Listing:
        """These comments as they are now (a removed one left out), and how many wait in all."""

    async def heartbeat(self, sender: str, forget_after: float) -> None:
        """Record that `sender` is alive; forget senders unseen for `forget_after` seconds."""

    async def release(self, sender: str, notification_ids: Sequence[int] = ()) -> None:
        """Give back claims without counting a try: the listed ones, or all of the sender's."""

    async def sign_off(self, sender: str) -> None:
        """A sender stops: its claims are free at once, and it is seen no more."""

    async def release_claims(self) -> None:
        """At start: free claims of senders that are gone (SQLite: only this process ever sends)."""

    async def mark_sent(self, notification_id: int) -> None: ...

    async def mark_retry(self, notification_id: int, delay: float, error: str) -> None: ...

    async def mark_failed(self, notification_id: int, error: str) -> None: ...

    async def next_due(self) -> float | None:
        """When the earliest waiting notification may be tried (Unix seconds), if any."""

    async def backlog(self) -> Backlog: ...

    async def claim_webhooks(
        self, sender: str, silent_after: float, limit: int, busy: Sequence[str] = ()
    ) -> list[Webhook]:
        """Take due webhooks for `sender`, none to the URLs in `busy`; like claim_notifications."""

    async def release_webhooks(self, sender: str, webhook_ids: Sequence[int] = ()) -> None:
        """Give back webhook claims without counting a try: the listed ones, or all of the sender's."""

    async def release_webhook_claims(self) -> None:
        """At start: free webhook claims of senders that are gone (SQLite: only this process sends)."""

    async def mark_webhook_sent(self, webhook_id: int) -> None: ...

    async def mark_webhook_retry(self, webhook_id: int, delay: float, error: str) -> None: ...

    async def mark_webhook_failed(self, webhook_id: int, error: str) -> None: ...

    async def next_webhook_due(self, busy: Sequence[str] = ()) -> float | None:
        """When the earliest waiting webhook to a URL not in `busy` may be tried (Unix seconds), if any."""

    async def webhook_backlog(self) -> Backlog: ...

    async def purge_addresses(self, before: float) -> int:
        """Erase the address of rejected and spam comments decided before then; return how many."""

    async def forget(self, email: str) -> Forgotten:
        """Delete every comment written with this address (in any case), its mail, its
        subscriptions and confirmations; a do-not-mail entry stays. Report what went."""

    async def confirmation(self, token: str) -> Confirmed:
        """What POSTing this confirmation link would do; changes nothing."""

    async def confirm(self, token: str) -> Confirmed:
        """Use a confirmation link: every waiting subscription of its address starts."""

    async def unsubscription(self, token: str) -> Unsubscribed:
        """The subscription an unsubscribe link is for, as it is; changes nothing."""

    async def unsubscribe(self, token: str, *, never: bool) -> Unsubscribed:
        """End the link's subscription; with `never`, the address's every one, and keep it from new ones."""

    async def end_subscriptions_of(self, address: str) -> int:
        """End every subscription of an address its mail server refused for good; how many."""

    async def imported_ids(self, source: str) -> dict[str, int]:
        """The source's ids already imported from `source`, each with the comment it became."""

    async def import_comments(self, source: str, comments: Sequence[ImportedComment]) -> list[int]:
        """Imported comments, without mail or subscriptions: the only writer of their addresses."""

    async def link_imported_parents(self, links: Sequence[tuple[int, int]]) -> None:
        """Set each (comment, parent): replies written before their parent."""

    async def export_page(self, after: int, limit: int, statuses: Sequence[str]) -> list[ExportedComment]:
        """Up to `limit` comments with ids above `after`, oldest first."""

    async def rotate_keys(self, report: Callable[[int], None] = ...) -> int:
        """Re-seal every address under the newest data key, in committed batches; how many."""

    async def key_counts(self) -> KeyCounts:
        """Stored addresses per data key (and any no configured key opens)."""

    async def ping(self) -> None:
        """Raise StoreUnavailable if the database cannot be reached."""

    async def close(self) -> None: ...


async def open_store(config: Config, clock: Callable[[], float]) -> Store:
    path = config.sqlite_path
    sealer = config.sealer()
    if path is None:
        # Imported here: asyncpg is a few MB that a SQLite instance never needs.
        from .postgres import PostgresStore

        return await PostgresStore.open(config.database_url, clock=clock, sealer=sealer, config=config)
    return await SqliteStore.open(path, clock=clock, sealer=sealer, config=config)
