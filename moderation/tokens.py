"""Signed, expiring moderation links, and keyed digests that stand in for addresses."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken as InvalidFernetToken
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

from .errors import ExpiredToken, InvalidToken
from .i18n import N_
from .models import LINK_ACTIONS, LINK_CHANNELS, Action, Channel


def keyed_digest(secret: str, purpose: str, value: str) -> str:
    """A stable pseudonym for `value` that nobody without the secret can compute or reverse."""
    key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()
    return hashlib.blake2b(value.encode(), key=key, digest_size=16).hexdigest()


def avatar_key(secret: str, email: str) -> str:
    return keyed_digest(secret, "avatar", email.strip().lower())


@dataclass(frozen=True)
class Decision:
    """What a moderation link asks for: an action on a comment, by one moderator."""

    comment_id: int
    action: Action
    moderator: str  # the moderator's keyed digest: a token holds no address
    channel: Channel = Channel.EMAIL_LINK  # the mail it came from, for the audit log


def _clocked(clock: Callable[[], float]) -> type[TimestampSigner]:
    class ClockedSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock())

    return ClockedSigner


class LinkSigner:
    """Mints and checks moderation tokens, each signed for (comment, action, moderator).

    A token from a digest carries its channel as a fourth field. An email link's token has none,
    as before digests existed, so that every link already sent keeps working (as an email link).
    """

    def __init__(self, secret: str, ttl: int, clock: Callable[[], float] = time.time):
        self._secret = secret
        self._ttl = ttl
        self._serializer = URLSafeTimedSerializer(secret, salt="moderate", signer=_clocked(clock))

    def moderator_key(self, address: str) -> str:
        return keyed_digest(self._secret, "moderator", address.lower())

    def moderator_for(self, key: str, moderators: Sequence[str]) -> str | None:
        return next((address for address in moderators if self.moderator_key(address) == key), None)

    def mint(self, comment_id: int, action: Action, moderator: str, channel: Channel = Channel.EMAIL_LINK) -> str:
        fields: list[object] = [comment_id, action.value, self.moderator_key(moderator)]
        if channel is not Channel.EMAIL_LINK:
            fields.append(channel.value)
        return self._serializer.dumps(fields)

    def check(self, token: str) -> Decision:
        try:
            comment_id, action, moderator, *rest = self._serializer.loads(token, max_age=self._ttl)
            channel = Channel(rest.pop()) if rest else Channel.EMAIL_LINK
            if Action(action) not in LINK_ACTIONS or channel not in LINK_CHANNELS or rest:
                raise ValueError(action)
            return Decision(int(comment_id), Action(action), str(moderator), channel)
        except SignatureExpired:
            raise ExpiredToken(N_("This link has expired.")) from None
        except (BadSignature, ValueError, TypeError):
            raise InvalidToken(N_("This link is not valid.")) from None


class FormStamp:
    """A signed note of when a reader was given the form: bots post too fast, or far too late."""

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        self._clock = clock
        self._serializer = URLSafeTimedSerializer(secret, salt="form", signer=_clocked(clock))

    def issue(self) -> str:
        return self._serializer.dumps(int(self._clock()))

    def age(self, stamp: str) -> float:
        """Seconds since the stamp was issued; InvalidToken if it was not issued here."""
        try:
            issued = self._serializer.loads(stamp)
        except BadSignature:
            raise InvalidToken(N_("This form was not issued here.")) from None
        if not isinstance(issued, int):
            raise InvalidToken(N_("This form was not issued here."))
        return self._clock() - issued


class PendingNote:
    """A short-lived note of the comment a plain form just sent, put in the address the reader is
    sent back to, so that the page can show them their comment as awaiting moderation, and their
    private link to it (/mine/).

    The form's answer is a 303, so the note is all the landing page gets. It names the comment and
    carries the link's token, encrypted (Fernet, under a key of its own derived from the secret),
    never an address: the site's logs, a Referer or browser history that keep the address keep
    only this note, which opens nothing once it expires. A cookie would not reach a fragment
    that the site includes or frames from another origin. Whoever holds the address meanwhile
    sees what the reader sees, so it expires soon, and the pages that show it send no Referer.
    """

    TTL = 900  # seconds: time to land, read and reload

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        key = hashlib.sha256(f"pending-note:{secret}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._clock = clock

    def mint(self, comment_id: int, manage: str) -> str:
        plain = json.dumps([comment_id, manage]).encode()
        # Fernet's own padding ("=") would be escaped in a query: the note does without it.
        return self._fernet.encrypt_at_time(plain, int(self._clock())).decode().rstrip("=")

    def read(self, note: str) -> tuple[int, str] | None:
        """The comment the note names and its private link's token, or None if the note was not
        made here or has expired."""
        padded = note + "=" * (-len(note) % 4)
        try:
            comment_id, manage = json.loads(self._fernet.decrypt_at_time(padded, self.TTL, int(self._clock())))
        except (InvalidFernetToken, ValueError, TypeError):
            return None
        if not isinstance(comment_id, int) or not isinstance(manage, str):
            return None
        return comment_id, manage


def token_hash(token: str) -> str:
    """What is kept of a random token (a link's, an API client's) instead of the token: a plain
    hash is enough, since it is random bits, not a password anyone could guess."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(random_bytes: int = 24) -> tuple[str, str]:
    """A random token for a link, naming nothing (no comment, no address), and its hash."""
    token = secrets.token_urlsafe(random_bytes)
    return token, token_hash(token)


class SigninSigner:
    """The token of an emailed sign-in link: the link's row id, signed.

    The row (store/sessions.py) says whom it signs in, until when, and whether it was used; the
    token only proves that this service made it, so the database holds nothing to steal.
    """

    def __init__(self, secret: str):
        self._serializer = URLSafeSerializer(secret, salt="signin")

    def mint(self, link_id: str) -> str:
        return self._serializer.dumps(link_id)

    def link_id(self, token: str) -> str:
        try:
            link_id = self._serializer.loads(token)
        except BadSignature:
            raise InvalidToken(N_("This sign-in link is not valid.")) from None
        if not isinstance(link_id, str):
            raise InvalidToken(N_("This sign-in link is not valid."))
        return link_id
