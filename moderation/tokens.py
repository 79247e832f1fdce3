"""Signed, expiring moderation links, and keyed digests that stand in for addresses."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
    """A signed, short-lived note of the comment a plain form just sent, put in the address the
    reader is sent back to, so that the page can show them their comment as awaiting moderation.

    It names the comment only (never an address) and expires soon: whoever holds the address
    sees that comment, and a shared address soon shows nothing.
    """

    TTL = 900  # seconds: time to land, read and reload

    def __init__(self, secret: str, clock: Callable[[], float] = time.time):
        self._serializer = URLSafeTimedSerializer(secret, salt="pending", signer=_clocked(clock))

    def mint(self, comment_id: int) -> str:
        return self._serializer.dumps(comment_id)

    def comment_id(self, note: str) -> int | None:
        """The comment the note names, or None if it was not made here or has expired."""
        try:
            comment_id = self._serializer.loads(note, max_age=self.TTL)
        except BadSignature:  # SignatureExpired included
            return None
        return comment_id if isinstance(comment_id, int) else None


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
