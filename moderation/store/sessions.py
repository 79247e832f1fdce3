"""Moderators' sign-in links and sessions.

No secret is stored in clear: a sign-in link's token is its random row id signed with the
secret key (tokens.py), and a session row is keyed by a hash of the random value in the cookie.
"""

from __future__ import annotations

import secrets

from ..events import SigninRequested
from ..models import ModeratorSession, SigninLink
from .driver import Database
from .enqueue import Consequences

# Used and expired links are kept this long, so that an old link still says "expired"
# rather than "not valid"; then they go, at the next sign-in request.
KEEP_LINKS = 30 * 86400.0


class Sessions:
    def __init__(self, db: Database, consequences: Consequences):
        self._db = db
        self._consequences = consequences

    async def add_signin_link(self, moderator: str, ttl: float) -> str:
        now = self._db.now()
        link_id = secrets.token_urlsafe(18)
        # The link and what follows from it (its mail) in one transaction, like a comment's.
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM signin_links WHERE expires_at < ?", now - KEEP_LINKS)
            await tx.execute(
                "INSERT INTO signin_links (id, moderator, created_at, expires_at) VALUES (?, ?, ?, ?)",
                link_id,
                moderator,
                now,
                now + ttl,
            )
            await self._consequences.write(tx, [SigninRequested(moderator, link_id)])
        return link_id

    async def signin_link(self, link_id: str) -> SigninLink | None:
        rows = await self._db.fetch("SELECT moderator, expires_at, used_at FROM signin_links WHERE id = ?", link_id)
        if not rows:
            return None
        moderator, expires, used_at = rows[0]
        return SigninLink(id=link_id, moderator=moderator, expires=expires, used=used_at is not None)

    async def sign_in(self, link_id: str, session_key: str, *, idle: float, lifetime: float) -> str | None:
        now = self._db.now()
        async with self._db.transaction() as tx:
            # The check and the use are one statement: of two racing posts, one signs in.
            used = await tx.fetch(
                "UPDATE signin_links SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?"
                " RETURNING moderator",
                now,
                link_id,
                now,
            )
            if not used:
                return None
            moderator: str = used[0][0]
            await tx.execute(
                "DELETE FROM moderator_sessions WHERE seen_at <= ? OR created_at <= ?", now - idle, now - lifetime
            )
            await tx.execute(
                "INSERT INTO moderator_sessions (id, moderator, created_at, seen_at) VALUES (?, ?, ?, ?)",
                session_key,
                moderator,
                now,
                now,
            )
        return moderator

    async def moderator_session(self, key: str, *, idle: float, lifetime: float) -> ModeratorSession | None:
        now = self._db.now()
        # Seen now, if still alive: one statement, and no sync to disk for it (see transaction()).
        rows = await self._db.write(
            "UPDATE moderator_sessions SET seen_at = ? WHERE id = ? AND seen_at > ? AND created_at > ?"
            " RETURNING moderator, flash",
            now,
            key,
            now - idle,
            now - lifetime,
            durable=False,
        )
        if not rows:
            return None
        return ModeratorSession(key=key, moderator=rows[0][0], flash=rows[0][1])

    async def set_flash(self, key: str, flash: str) -> None:
        await self._db.write("UPDATE moderator_sessions SET flash = ? WHERE id = ?", flash, key, durable=False)

    async def end_session(self, key: str) -> None:
        await self._db.write("DELETE FROM moderator_sessions WHERE id = ?", key)
