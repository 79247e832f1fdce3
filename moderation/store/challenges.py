"""Spent proofs of work: each solution is taken once, by every instance sharing the database.

A solution is spent by its own statement just before its post is handled, not in the
submission's transaction: submissions share transactions on SQLite (the group commit), where
one solution's second use would have to undo only its own comment; here the unique key alone
decides, and a post whose solution was used already is answered as one that has none. A post
that fails after this (an invalid field) has spent its solution: solving another costs its
reader a moment, and no solution ever passes twice.
"""

from __future__ import annotations

from .driver import Database


class SpentChallenges:
    def __init__(self, db: Database):
        self._db = db

    async def spend(self, challenge: str, expires: float) -> bool:
        """Whether this was the first use of the challenge's solution (now it is spent)."""
        # Not synced to disk on its own: the comment's commit, moments later, takes it along; a
        # power cut just before could let one solution pass twice, within its ten minutes.
        spent = await self._db.write(
            "INSERT INTO spent_challenges (challenge, expires_at) VALUES (?, ?)"
            " ON CONFLICT (challenge) DO NOTHING RETURNING challenge",
            challenge,
            expires,
            durable=False,
        )
        return bool(spent)

    async def purge(self) -> int:
        """Forget the challenges that have expired, whose solutions are refused anyway; how many."""
        gone = await self._db.write(
            "DELETE FROM spent_challenges WHERE expires_at <= ? RETURNING challenge", self._db.now(), durable=False
        )
        return len(gone)
