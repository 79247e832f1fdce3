"""Comments: submitting, deciding, the site's replies, the queue's pages, the audit log, forgetting
an address, erasing old ones, and the export. What follows a change is the policy's (enqueue.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from ..errors import InvalidParent, ThreadClosed
from ..events import CommentDecided, CommentSubmitted, SiteReplied
from ..holds import audit_reason, holds_json
from ..models import (
    AUTHOR,
    CLI,
    REMOVED,
    SYSTEM,
    Action,
    AuditEntry,
    Channel,
    Comment,
    CommentStatus,
    Cursor,
    Decided,
    Forgotten,
    NewComment,
    QueuePage,
    Sort,
    Stored,
)
from ..questions import asks_question
from ..render import render_body
from ..safety.personal_details import Kind
from ..safety.screening import redacted
from ..search import Listing
from ..submissions import repeated
from . import addresses, audit, mine, my_data, readers, spam_model, titles
from .addresses import seal_email
from .comment_rows import COMMENT_COLUMNS, COMMENT_FROM, assessment_columns, body_digest
from .comment_rows import comment as _comment
from .driver import Database, SqlValue, Transaction, marks
from .enqueue import Consequences
from .erasure import erase_traces
from .threads import count_published, start_threads

QUESTION_BATCH = 1000  # comments judged at a time, at the start after an upgrade

# What each order sorts by, then by id: (key, id) is a page's cursor. Scores run from 0 to 1, so a
# comment never scored (NULL) is keyed past every score, last in both. The migration 0021 indexes
# these very expressions.
SORT_KEYS = {
    Sort.OLDEST: "c.created_at",
    Sort.LIKELY_OK: "COALESCE(c.spam_score, 2)",
    Sort.LIKELY_SPAM: "COALESCE(-c.spam_score, 1)",
}


def oldest_first(status: CommentStatus) -> bool:
    # What waits is done in order of arrival; in the other tabs the latest matter most.
    return status is CommentStatus.PENDING


def _order(listing: Listing) -> tuple[str, bool]:
    """The listing's sort key, and whether it runs ascending."""
    return SORT_KEYS[listing.sort], listing.sort is not Sort.OLDEST or oldest_first(listing.status)


def _ordered(key: str, ascending: bool) -> str:
    order = "ASC" if ascending else "DESC"
    return f" ORDER BY {key} {order}, c.id {order}"


def _after(
    where: str, args: list[SqlValue], key: str, ascending: bool, after: Cursor | None
) -> tuple[str, list[SqlValue]]:
    """The condition of the rows past a cursor, in the listing's order."""
    if after is None:
        return where, args
    beyond = ">" if ascending else "<"
    # The key alone first: with it SQLite seeks in an index on an expression, which it does not
    # for the pair.
    return f"{where} AND {key} {beyond}= ? AND ({key}, c.id) {beyond} (?, ?)", [*args, after.key, after.key, after.id]


class Comments:
    def __init__(self, db: Database, consequences: Consequences, language: str, close_after_days: int | None):
        self._db = db
        self._close_after_days = close_after_days  # MODERATION_CLOSE_AFTER_DAYS
        self._consequences = consequences
        self._language = language  # the site's: what a comment's text is in when its page named none
        # SQLite: submissions arriving together share one transaction (a group commit).
        self._submit = db.grouped(self._insert_submissions)

    async def submit(self, comment: NewComment) -> Stored:
        """Store a comment, and what the policy says follows from it, atomically: its id, and its
        status (spam, if its text is on its page already).

        Raises ThreadClosed if its thread takes no comments now, and InvalidParent if
        `comment.parent` is not an approved comment of the same thread.
        """
        stored = await self._submit(comment)
        if isinstance(stored, ThreadClosed | InvalidParent):
            raise stored
        return stored

    async def _insert_submissions(
        self, tx: Transaction, items: Sequence[NewComment]
    ) -> list[Stored | ThreadClosed | InvalidParent]:
        """Comments and what follows from each, each one's outcome; a comment refused (its thread
        closed, its parent no approved comment of its page) is not written, the others are.

        Whether a thread is open and whether a text is new to its page are asked here, in the
        writer's transaction, rather than before: nothing can close the thread or post the same
        text in between, and it costs no lookup of its own on the event loop."""
        now = self._db.now()
        titles = await self._open_threads(tx, {item.thread for item in items}, now)
        posted = await self._posted(tx, [item for item in items if item.thread in titles])
        outcomes: list[Stored | ThreadClosed | InvalidParent] = []
        written: list[tuple[NewComment, int]] = []
        for item in items:
            if item.thread not in titles:
                outcomes.append(ThreadClosed(item.thread))
                continue
            if (item.thread, item.body) in posted:
                item = repeated(item)
            posted.add((item.thread, item.body))  # a second one in the same batch repeats the first
            result = await self._insert_comment(tx, item, now)
            if isinstance(result, InvalidParent):
                outcomes.append(result)
                continue
            written.append((item, result))
            outcomes.append(Stored(result, item.status))
        await self._after_insert(tx, written, now)
        stored = [as_stored(item, comment_id, now, titles[item.thread]) for item, comment_id in written]
        await self._consequences.write(tx, [CommentSubmitted(comment) for comment in stored])
        return outcomes

    async def _open_threads(self, tx: Transaction, keys: set[str], now: float) -> dict[str, str]:
        """The title of each of these threads that takes comments now, its row made if it had none
        (locked to the commit on PostgreSQL: a thread closed by hand meanwhile is closed before or
        after this transaction, never during it)."""
        started = await start_threads(tx, [(key, now) for key in keys])
        return {key: title for key, (title, state) in started.items() if not state.closed(now, self._close_after_days)}

    async def _posted(self, tx: Transaction, items: Sequence[NewComment]) -> set[tuple[str, str]]:
        """Which of these (thread, text) pairs are on their page already, in any state."""
        if not items:
            return set()
        digests = {body_digest(item.body) for item in items}
        keys = {item.thread for item in items}
        rows = await tx.fetch(
            f"SELECT t.key, c.body FROM {COMMENT_FROM} WHERE c.body_digest IN ({marks(len(digests))})"
            f" AND t.key IN ({marks(len(keys))})",
            *digests,
            *keys,
        )
        return {(key, body) for key, body in rows} & {(item.thread, item.body) for item in items}

    async def _comments(self, tx: Transaction, comment_ids: Sequence[int]) -> list[Comment]:
        """These comments as they are in the open transaction, by id."""
        if not comment_ids:
            return []
        rows = await tx.fetch(
            f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id IN ({marks(len(comment_ids))}) ORDER BY c.id",
            *comment_ids,
        )
        return [_comment(row, self._db.sealer) for row in rows]

    async def _insert_comment(self, tx: Transaction, comment: NewComment, now: float) -> int | InvalidParent:
        """Write a comment of a thread whose row exists, in the open transaction: its id, or
        InvalidParent for a reply to something that is not an approved comment of its page (then
        nothing is written)."""
        # One statement: the thread's id, the parent check and the insert. The title the submitter
        # sent stays with the comment: the thread's is not a reader's to set.
        rows = await tx.fetch(
            "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body,"
            " body_html, remote_addr, created_at, status, holds, body_digest, lang, submitted_title,"
            " spam_score, spam_verdict, spam_reasons, asks_question)"
            " SELECT t.id, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM threads t WHERE t.key = ?"
            " AND (CAST(? AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM comments p"
            "      WHERE p.id = ? AND p.thread_id = t.id AND p.status = 'approved'))"
            " RETURNING id",
            comment.parent,
            comment.name,
            self._db.sealer.index(comment.email),
            comment.website,
            comment.avatar,
            comment.body,
            comment.body_html,
            comment.remote_addr,
            now,
            comment.status.value,
            holds_json(comment.holds),
            body_digest(comment.body),
            comment.lang or None,
            comment.title,
            *assessment_columns(comment.assessment),
            asks_question(comment.body, comment.lang or self._language),
            comment.thread,
            comment.parent,
            comment.parent,
        )
        if not rows:
            return InvalidParent(comment.parent)
        comment_id = int(rows[0][0])
        await addresses.seal_email(tx, self._db.sealer, comment_id, comment.email)
        if comment.manage_hash is not None:
            await mine.add_link(tx, comment_id, comment.manage_hash, now)
        return comment_id

    async def _after_insert(self, tx: Transaction, written: Sequence[tuple[NewComment, int]], now: float) -> None:
        """The subscriptions and audit entries of comments just written, in one statement each."""
        await readers.add_subscriptions(
            tx,
            self._db.sealer,
            [(comment_id, comment.email) for comment, comment_id in written if comment.notify],
            now,
        )
        await audit.append(
            tx,
            [
                audit.Change(
                    comment_id, None, comment.status, SYSTEM, Channel.SUBMISSION, audit_reason(comment.holds) or None
                )
                for comment, comment_id in written
            ],
            now,
        )

    async def get(self, comment_id: int) -> Comment | None:
        rows = await self._db.fetch(f"SELECT {COMMENT_COLUMNS} FROM {COMMENT_FROM} WHERE c.id = ?", comment_id)
        return _comment(rows[0], self._db.sealer) if rows else None

    async def decide(
        self, comment_ids: Sequence[int], action: Action, *, actor: str, channel: Channel, reason: str | None = None
    ) -> list[Decided]:
        async with self._db.transaction() as tx:
            decided = await self._decide(tx, comment_ids, action, actor, channel, reason)
        if action is Action.REDACT and any(outcome.changed for outcome in decided):
            await self._db.drop_old_copies()  # of the text removed
        return decided

    async def _decide(
        self,
        tx: Transaction,
        comment_ids: Sequence[int],
        action: Action,
        actor: str,
        channel: Channel,
        reason: str | None,
    ) -> list[Decided]:
        """decide() inside an open transaction, so that more may join it (a reply, in the queue)."""
        now = self._db.now()
        # Locked while deciding (PostgreSQL): a racing decision waits, then finds it decided.
        found = await tx.fetch(
            f"SELECT id, thread_id, status FROM comments WHERE id IN ({marks(len(comment_ids))}) {self._db.row_lock}",
            *comment_ids,
        )
        applies = [(id_, thread, CommentStatus(status)) for id_, thread, status in found if status in action.applies_to]
        if applies:
            changing = [id_ for id_, _, _ in applies]
            if action is Action.REDACT:
                removed = await self._redact(tx, changing)
                reason = "; ".join(part for part in (f"redact: {', '.join(removed) or '-'}", reason) if part)
            await tx.execute(
                f"UPDATE comments SET status = ?, decided_at = ?, decided_by = ? WHERE id IN ({marks(len(changing))})",
                action.status.value,
                now,
                actor,
                *changing,
            )
            if action.status is CommentStatus.APPROVED:
                for thread_id, approved in Counter(thread for _, thread, _ in applies).items():
                    await count_published(tx, thread_id, approved, now)
                await titles.from_approved(tx, changing)
            await audit.append(
                tx,
                [audit.Change(id_, before, action.status, actor, channel, reason) for id_, _, before in applies],
                now,
            )
        comments = await self._comments(tx, comment_ids)
        last = await audit.last_entries(tx.fetch, comment_ids)
        was = {id_: status for id_, _, status in applies}
        # Readers who asked hear of an approval with it, or not at all.
        approved = action.status is CommentStatus.APPROVED
        facts = await readers.facts(tx, self._db.sealer, list(was), now) if approved else {}
        events = [
            CommentDecided(comment, was[comment.id], action, actor, channel)
            for comment in comments
            if comment.id in was
        ]
        await self._consequences.write(tx, events, facts)
        return [Decided(comment, comment.id in was, last.get(comment.id)) for comment in comments]

    async def _redact(self, tx: Transaction, comment_ids: Sequence[int]) -> list[str]:
        """Replace each personal detail of these comments' names and bodies with "[removed]",
        detected again on the stored text, and everything made from the text with it: the HTML,
        the digest, the classifier's reasons and what the old text taught it. The kinds removed."""
        rows = await tx.fetch(
            f"SELECT id, name, website, body, lang, spam_reasons FROM comments WHERE id IN ({marks(len(comment_ids))})",
            *comment_ids,
        )
        await spam_model.forget(tx, comment_ids)  # a restore from spam taught the original text
        removed: set[str] = set()
        for id_, name, website, body, lang, reasons in rows:
            language = lang or self._language
            name, body, kinds = redacted(name, body, language)
            removed.update(kind.value for kind in kinds)
            await tx.execute(
                "UPDATE comments SET name = ?, body = ?, body_html = ?, body_digest = ?, asks_question = ?,"
                " spam_reasons = ?, taught = NULL WHERE id = ?",
                name,
                body,
                render_body(body),
                body_digest(body),
                asks_question(body, language),
                spam_model.reasons_still_shown(reasons, name, website, body),
                id_,
            )
        return [kind.value for kind in Kind if kind.value in removed]

    async def edited_since(self, comment_ids: Sequence[int], since: float) -> set[int]:
        """Those of these comments whose authors changed their text after `since` (Unix seconds)."""
        if not comment_ids:
            return set()
        rows = await self._db.fetch(
            f"SELECT id FROM comments WHERE id IN ({marks(len(comment_ids))}) AND edited_at > ?", *comment_ids, since
        )
        return {int(row[0]) for row in rows}

    async def last_decisions(self, comment_ids: Sequence[int]) -> dict[int, AuditEntry]:
        return await audit.last_entries(self._db.fetch, comment_ids)

    async def audit_log(self, since: float) -> list[AuditEntry]:
        return await audit.since(self._db.fetch, since)

    async def queue(self, listing: Listing, after: Cursor | None, limit: int) -> QueuePage:
        """One page of a tab of the queue (and of the moderation API's listing), maybe searched."""
        # Keyset pagination on (sort key, id): rows decided meanwhile leave the list without
        # shifting the rest, so a page neither skips nor repeats what is still there.
        key, ascending = _order(listing)
        where, args = self._listed(listing)
        where, args = _after(where, args, key, ascending, after)
        rows = await self._db.fetch(
            f"SELECT {COMMENT_COLUMNS}, {key} FROM {COMMENT_FROM} WHERE {where}{_ordered(key, ascending)} LIMIT ?",
            *args,
            limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        last = str(Cursor(listing.sort, float(rows[-1][-1]), rows[-1][0])) if more else None
        return QueuePage(comments=[_comment(row, self._db.sealer) for row in rows], next_cursor=last)

    async def count(self, listing: Listing) -> int:
        """How many comments the listing holds, on all its pages."""
        where, args = self._listed(listing)
        (row,) = await self._db.fetch(f"SELECT COUNT(*) FROM {COMMENT_FROM} WHERE {where}", *args)
        return int(row[0])

    def _listed(self, listing: Listing) -> tuple[str, list[SqlValue]]:
        where = "c.status = ?"
        args: list[SqlValue] = [listing.status.value]
        search = listing.search
        if search.email:  # by the blind index: no address is opened to find one
            where += " AND c.email_index = ?"
            args.append(self._db.sealer.index(search.email))
        if search.thread:
            where += " AND t.key = ?"
            args.append(search.thread)
        for word in search.words:
            # LOWER on both sides: the same folding whatever the dialect's LOWER knows of Unicode.
            where += " AND (LOWER(c.name) LIKE LOWER(?) ESCAPE '\\' OR LOWER(c.body) LIKE LOWER(?) ESCAPE '\\')"
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
        if listing.unanswered:  # a reader's comment with no reply by the site under it (still published)
            where += (
                " AND c.asks_question AND NOT c.by_site AND NOT EXISTS (SELECT 1 FROM comments r"
                " WHERE r.parent_id = c.id AND r.by_site AND r.status = 'approved')"
            )
        return where, args

    async def judge_questions(self) -> int:
        """Judge the readers' comments written before the judgement was kept (filter=unanswered):
        how many. In batches, each its own transaction: a long history never waits on one."""
        judged = 0
        while True:
            rows = await self._db.fetch(
                "SELECT id, body, lang FROM comments WHERE asks_question IS NULL AND NOT by_site ORDER BY id LIMIT ?",
                QUESTION_BATCH,
            )
            if not rows:
                return judged
            async with self._db.transaction() as tx:
                await tx.executemany(
                    "UPDATE comments SET asks_question = ? WHERE id = ?",
                    [(asks_question(body, lang or self._language), id_) for id_, body, lang in rows],
                )
            judged += len(rows)

    async def count_by_status(self, statuses: Sequence[CommentStatus]) -> dict[CommentStatus, int]:
        counts = dict.fromkeys(statuses, 0)
        for status in statuses:  # one indexed count each: the approved tab may be large and is not asked
            (row,) = await self._db.fetch("SELECT COUNT(*) FROM comments WHERE status = ?", status.value)
            counts[status] = int(row[0])
        return counts

    async def reply_as_site(
        self, parent_id: int, reply: NewComment, *, actor: str, channel: Channel
    ) -> tuple[Decided | None, int | None]:
        """Approve a comment (if it waits) and publish the site's reply under it, in one transaction.

        No reply if the comment is gone, or someone rejected it or marked it as spam first.
        """
        async with self._db.transaction() as tx:
            decided = await self._decide(tx, [parent_id], Action.APPROVE, actor, channel, None)
            if not decided or decided[0].comment.status is not CommentStatus.APPROVED:
                return (decided[0] if decided else None), None
            now = self._db.now()
            (row,) = await tx.fetch(
                "INSERT INTO comments (thread_id, parent_id, name, email, email_index, website, avatar, body,"
                " body_html, created_at, status, body_digest, by_site, decided_at, decided_by)"
                " SELECT p.thread_id, p.id, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM comments p WHERE p.id = ?"
                " RETURNING id, thread_id",
                reply.name,
                self._db.sealer.index(reply.email),
                reply.website,
                reply.avatar,
                reply.body,
                reply.body_html,
                now,
                CommentStatus.APPROVED.value,
                body_digest(reply.body),
                True,
                now,
                actor,
                parent_id,
            )
            reply_id, thread_id = row
            await seal_email(tx, self._db.sealer, int(reply_id), reply.email)
            await count_published(tx, thread_id, 1, now)
            # Who replied, through what; never the reply's text (it is the comment itself).
            await audit.append(tx, [audit.Change(reply_id, None, CommentStatus.APPROVED, actor, channel)], now)
            (published,) = await self._comments(tx, [int(reply_id)])
            # Published like any approved reply: its parent's subscriber hears, and the webhooks.
            facts = await readers.facts(tx, self._db.sealer, [published.id], now)
            await self._consequences.write(tx, [SiteReplied(published, actor)], facts)
        return decided[0], int(reply_id)

    async def purge_addresses(self, before: float) -> int:
        async with self._db.transaction() as tx:
            erased = await tx.fetch(
                "UPDATE comments SET email = '', email_index = '', avatar = '', remote_addr = ''"
                " WHERE status IN ('rejected', 'spam') AND email != '' AND COALESCE(decided_at, created_at) < ?"
                " RETURNING id",
                before,
            )
        return len(erased)

    async def forget(self, email: str, channel: Channel = Channel.CLI) -> Forgotten:
        """Delete everything written with `email`: by the command line, or by its owner at /mydata
        (`channel` AUTHOR), as the audit log then says."""
        actor = AUTHOR if channel is Channel.AUTHOR else CLI
        now = self._db.now()
        async with self._db.transaction() as tx:
            index = self._db.sealer.index(email)
            rows = await tx.fetch("SELECT c.id, c.thread_id, c.status FROM comments c WHERE c.email_index = ?", index)
            reader_mail, subscriptions = await readers.forget(tx, [row[0] for row in rows], index)
            reader_mail += await my_data.forget(tx, index)
            if not rows:
                return Forgotten(0, 0, 0, reader_mail=reader_mail, subscriptions=subscriptions)
            ids = [row[0] for row in rows]
            id_marks = marks(len(ids))
            # Replies by other people stay, moved up to the top of their thread.
            await tx.execute(f"UPDATE comments SET parent_id = NULL WHERE parent_id IN ({id_marks})", *ids)
            notifications = await erase_traces(tx, ids)
            await mine.forget_links(tx, ids, id_marks)
            await tx.execute(f"DELETE FROM comments WHERE id IN ({id_marks})", *ids)
            await audit.append(
                tx,
                [audit.Change(id_, CommentStatus(status), REMOVED, actor, channel) for id_, _, status in rows],
                now,
            )
            published = [row for row in rows if row[2] == CommentStatus.APPROVED]
            for thread_id, removed in Counter(row[1] for row in published).items():
                await count_published(tx, thread_id, -removed, now)
        return Forgotten(
            comments=len(ids),
            published=len(published),
            notifications=notifications,
            reader_mail=reader_mail,
            subscriptions=subscriptions,
        )


def as_stored(comment: NewComment, comment_id: int, now: float, title: str) -> Comment:
    """A comment just written, as reading it back would give it: no second trip for what is known."""
    return Comment(
        id=comment_id,
        thread=comment.thread,
        title=title,
        parent=comment.parent,
        name=comment.name,
        email=comment.email,
        website=comment.website,
        avatar=comment.avatar,
        body=comment.body,
        body_html=comment.body_html,
        status=comment.status,
        created=datetime.fromtimestamp(now, UTC),
        holds=comment.holds,
        lang=comment.lang,
        submitted_title=comment.title,
    )
