"""The moderation API's bearer tokens: made, listed, revoked, and the name of the one a request
carries. A token is shown once, when made; the database keeps its SHA-256 only."""

from __future__ import annotations

from datetime import UTC, datetime

from ..errors import TokenRefused
from ..models import ApiToken
from ..tokens import new_token, token_hash
from .driver import Database


class ApiTokens:
    def __init__(self, db: Database):
        self._db = db

    async def create(self, name: str) -> str:
        """A new token named `name`, returned this once; TokenRefused if the name is taken."""
        token, hashed = new_token(32)  # 256 random bits
        made = await self._db.write(
            "INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING RETURNING name",
            name,
            hashed,
            self._db.now(),
        )
        if not made:
            raise TokenRefused(f"a token named {name!r} exists already (revoke it first to replace it)")
        return token

    async def all(self) -> list[ApiToken]:
        rows = await self._db.fetch("SELECT name, created_at, last_used_at FROM api_tokens ORDER BY name")
        return [
            ApiToken(name, _moment(created), _moment(used) if used is not None else None)
            for name, created, used in rows
        ]

    async def revoke(self, name: str) -> None:
        """The token named `name` is refused from now on; TokenRefused if there is none."""
        if not await self._db.write("DELETE FROM api_tokens WHERE name = ? RETURNING name", name):
            raise TokenRefused(f"no token is named {name!r}")

    async def holder(self, token: str) -> str | None:
        """The name of the token, marked as used now; None for a token never made or revoked."""
        # One statement, and no sync to disk for it: a lost last-used time costs nothing.
        rows = await self._db.write(
            "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? RETURNING name",
            self._db.now(),
            token_hash(token),
            durable=False,
        )
        return str(rows[0][0]) if rows else None


def _moment(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)
