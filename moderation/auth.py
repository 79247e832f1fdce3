"""Who is signed in to the queue: the session cookie, its server-side row, CSRF and Origin checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web

from .app_keys import config_key, links_key, store_key
from .config import Config
from .errors import ClientError
from .i18n import N_

SESSION_IDLE = 2 * 3600.0  # a session unused this long ends
SESSION_LIFETIME = 12 * 3600.0  # and any session ends this long after signing in


def cookie_name(config: Config) -> str:
    # Under https the __Host- prefix makes browsers insist on Secure, Path=/ and no Domain.
    return "__Host-moderation" if secure(config) else "moderation"


def secure(config: Config) -> bool:
    return config.public_url.startswith("https://")


def session_key(cookie: str) -> str:
    """The session row's id: the database never sees the cookie's value itself."""
    return hashlib.sha256(cookie.encode()).hexdigest()


def moderator_named(address: str, moderators: Sequence[str]) -> str | None:
    """The configured spelling of a moderator's address, matched without regard to case."""
    wanted = address.strip().lower()
    return next((moderator for moderator in moderators if moderator.lower() == wanted), None)


@dataclass(frozen=True)
class SignedIn:
    moderator: str
    key: str  # the session row's id
    csrf: str  # one token per session, in every form
    flash: str | None  # what the last decision did (JSON)


def csrf_token(secret: str, cookie: str) -> str:
    # Derived, not stored: the same for the whole session, useless without the cookie and the key.
    return hmac.new(secret.encode(), f"csrf:{cookie}".encode(), hashlib.sha256).hexdigest()


async def signed_in(request: web.Request) -> SignedIn | None:
    config = request.app[config_key]
    cookie = request.cookies.get(cookie_name(config))
    if not cookie:
        return None
    store = request.app[store_key]
    key = session_key(cookie)
    session = await store.sessions.moderator_session(key, idle=SESSION_IDLE, lifetime=SESSION_LIFETIME)
    if session is None:
        return None
    moderator = moderator_named(session.moderator, config.moderators)
    if moderator is None:  # taken off the list since signing in: the session ends now
        await store.sessions.end_session(key)
        return None
    return SignedIn(moderator, key, csrf_token(config.secret_key, cookie), session.flash)


async def require_signed_in(request: web.Request) -> SignedIn:
    signed = await signed_in(request)
    if signed is None:
        raise web.HTTPSeeOther(request.app[links_key].queue())
    return signed


def check_origin(request: web.Request) -> None:
    """A browser names the page a post comes from: only our own pages may post here."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != request.app[config_key].public_origin:
        raise ClientError(N_("This form can only be sent from the moderation pages."), 403)


def check_csrf(signed: SignedIn, form: Mapping[str, object]) -> None:
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), signed.csrf.encode()):
        raise ClientError(N_("This form has expired; go back, reload the page and try again."), 403)


def new_session_cookie() -> str:
    return secrets.token_urlsafe(32)


def set_session_cookie(response: web.StreamResponse, config: Config, cookie: str) -> None:
    # No Max-Age: the server ends the session (idle, lifetime, sign-out), the browser need not.
    response.set_cookie(
        cookie_name(config), cookie, path="/", httponly=True, samesite="Lax", secure=True if secure(config) else None
    )


def clear_session_cookie(response: web.StreamResponse, config: Config) -> None:
    response.del_cookie(
        cookie_name(config), path="/", httponly=True, samesite="Lax", secure=True if secure(config) else None
    )
