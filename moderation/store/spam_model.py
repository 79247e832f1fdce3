"""The spam classifier's counts (spam_features) and what each comment taught them (comments.taught):
learned in the transaction of each decision, read at each submission, rebuilt from the audit log."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from ..classifier.features import TOTALS, VERSION, Feature, features
from ..classifier.model import Assessment, Label, Tally, assess, changes
from ..models import Channel, CommentStatus
from ..policy.lessons import label_of
from ..policy.writes import Lesson
from .driver import Database, Row, Transaction, marks

ADD = (
    "INSERT INTO spam_features (feature, spam, ham) VALUES (?, ?, ?) ON CONFLICT (feature) DO UPDATE"
    " SET spam = spam_features.spam + excluded.spam, ham = spam_features.ham + excluded.ham"
)


async def teach(tx: Transaction, lessons: Sequence[Lesson]) -> None:
    """Move the counts from what each comment taught before to its lesson, in the open transaction."""
    moves = []
    for lesson in lessons:
        (row,) = await tx.fetch("SELECT taught FROM comments WHERE id = ?", lesson.comment_id)
        moves.append(changes(lesson.keys, Label(row[0]) if row[0] else None, lesson.label))
        await tx.execute("UPDATE comments SET taught = ? WHERE id = ?", lesson.label.value, lesson.comment_id)
    await _add(tx, moves)


async def forget(tx: Transaction, comment_ids: Sequence[int]) -> None:
    """Undo what these comments taught, before they are deleted: nothing of them stays behind."""
    rows = await tx.fetch(
        f"SELECT name, website, body, taught FROM comments WHERE id IN ({marks(len(comment_ids))})"
        " AND taught IS NOT NULL",
        *comment_ids,
    )
    moves = [
        changes((feature.key for feature in features(name, website, body)), Label(taught), None)
        for name, website, body, taught in rows
    ]
    await _add(tx, moves)
    # A key no other comment counts would still say that someone once wrote its word.
    await tx.executemany(
        "DELETE FROM spam_features WHERE feature = ? AND spam = 0 AND ham = 0",
        sorted({(key,) for move in moves for key in move if key != TOTALS}),
    )


def reasons_still_shown(reasons: str, name: str, website: str, body: str) -> str:
    """Of a comment's stored reasons (JSON), those its text, as it now is, still shows: a reason
    names a word, and a redacted one is no longer there."""
    shown = {feature.label for feature in features(name, website, body)}
    return json.dumps([reason for reason in json.loads(reasons) if reason in shown], ensure_ascii=False)


async def _add(tx: Transaction, moves: Sequence[dict[int, Tally]]) -> None:
    """Add up the changes of several comments, and write them."""
    tallies: dict[int, Tally] = {}
    for move in moves:
        for key, change in move.items():
            old = tallies.get(key, Tally())
            tallies[key] = Tally(old.spam + change.spam, old.ham + change.ham)
    # In key order, TOTALS first: instances learning at once lock rows in the same order, so
    # they wait for one another instead of deadlocking.
    rows = [(key, tally.spam, tally.ham) for key, tally in sorted(tallies.items()) if tally.spam or tally.ham]
    if rows:
        await tx.executemany(ADD, rows)


@dataclass(frozen=True)
class Example:
    """A decided comment as the audit log tells it: its features, what it teaches, and when."""

    comment_id: int
    features: list[Feature]
    label: Label
    at: float


async def _examples(fetch: Callable[..., Awaitable[list[Row]]]) -> list[Example]:
    rows = await fetch(
        "SELECT a.comment_id, a.from_status, a.to_status, a.channel, a.at, c.name, c.website, c.body"
        " FROM audit_log a JOIN comments c ON c.id = a.comment_id WHERE NOT c.by_site"
        # An emptied comment (withdrawn or deleted by its author) has nothing left to teach.
        " AND c.status NOT IN ('withdrawn', 'deleted') ORDER BY a.id"
    )
    taught: dict[int, Example] = {}
    for comment_id, before, after, channel, at, name, website, body in rows:
        label = label_of(None if before is None else CommentStatus(before), str(after), Channel(channel))
        if label is not None:
            taught.pop(comment_id, None)  # moved to the end: its last lesson is when it counts
            taught[comment_id] = Example(comment_id, features(name, website, body), label, float(at))
    return sorted(taught.values(), key=lambda example: example.at)


async def _rebuild(tx: Transaction) -> int:
    examples = await _examples(tx.fetch)
    await tx.execute("DELETE FROM spam_features")
    await tx.execute("UPDATE comments SET taught = NULL WHERE taught IS NOT NULL")
    await teach(tx, [Lesson(e.comment_id, tuple(f.key for f in e.features), e.label) for e in examples])
    await tx.execute("UPDATE spam_feature_version SET version = ?", VERSION)
    return len(examples)


class SpamModel:
    def __init__(self, db: Database):
        self._db = db

    async def assess(self, name: str, website: str, body: str) -> Assessment:
        """What the model, as every instance shares it now, makes of a comment: one read by the
        primary key, which every submission makes (on SQLite, without leaving the event loop)."""
        found = features(name, website, body)
        keys = [TOTALS, *(feature.key for feature in found)]
        rows = await self._db.quick_fetch(
            f"SELECT feature, spam, ham FROM spam_features WHERE feature IN ({marks(len(keys))})", *keys
        )
        return assess(found, {key: Tally(spam, ham) for key, spam, ham in rows})

    async def examples(self) -> list[Example]:
        """Every comment a decision taught something, oldest lesson first (the site's own aside)."""
        return await _examples(self._db.fetch)

    async def rebuild(self) -> int:
        """Forget the counts and learn again from the audit log; how many comments taught something."""
        async with self._db.transaction() as tx:
            return await _rebuild(tx)

    async def upgrade(self) -> int | None:
        """Rebuild the counts if they were made with other features than these (an upgrade that
        changed them): how many comments taught the new ones; None if they were current."""
        async with self._db.transaction() as tx:
            # The row's lock makes instances starting at once rebuild once: the others find it done.
            outdated = await tx.fetch(
                "UPDATE spam_feature_version SET version = ? WHERE version <> ? RETURNING version", VERSION, VERSION
            )
            return await _rebuild(tx) if outdated else None

    async def size(self) -> tuple[int, Tally]:
        """How many features the model counts, and how many decisions of each kind."""
        (row,) = await self._db.fetch("SELECT COUNT(*) FROM spam_features")
        totals = await self._db.fetch("SELECT spam, ham FROM spam_features WHERE feature = ?", TOTALS)
        return int(row[0]) - bool(totals), Tally(*totals[0]) if totals else Tally()
