"""What a mail in the outbox carries besides its comment: one frozen dataclass per kind, and the
JSON of the row's `payload` column, written (`dump`) and read (`from_json`) here alone.

The JSON keeps the shape of the rows already stored, keys and all: a mail written before an
upgrade is sent after it. A new-comment mail carries nothing besides its comment.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Self

Stored = Mapping[str, object]  # a payload as json.loads gives it back


def _text(stored: Stored, key: str) -> str:
    return str(stored[key])


def _optional_text(stored: Stored, key: str) -> str | None:
    # Absent, null or "": none. Rows of older versions may lack the key.
    value = stored.get(key)
    return str(value) if value else None


@dataclass(frozen=True)
class SignInMail:
    link: str  # the sign-in link's id, signed only as the mail is composed

    @classmethod
    def from_json(cls, stored: Stored) -> Self:
        return cls(link=_text(stored, "link"))


class DigestMode(StrEnum):
    HOURLY = "hourly"  # MODERATION_NOTIFY's digests: what waits
    DAILY = "daily"
    BURST = "burst"  # immediate mode's: the mail the burst cap folded


@dataclass(frozen=True)
class DigestMail:
    period: float  # the boundary (Unix seconds) the digest covers what arrived before
    mode: DigestMode
    comments: tuple[int, ...]  # the ids only: the comments are read as they are when it is sent

    @classmethod
    def from_json(cls, stored: Stored) -> Self:
        period, comments = stored["period"], stored["comments"]
        if not isinstance(period, int | float) or not isinstance(comments, list):
            raise ValueError("a digest's payload needs its period and a list of comment ids")
        return cls(period=float(period), mode=DigestMode(_text(stored, "mode")), comments=tuple(map(int, comments)))


@dataclass(frozen=True)
class PublishedMail:
    confirm: str | None  # the confirmation link's token; None once the address has confirmed
    unsubscribe: str  # the unsubscribe link's token
    manage: str | None = None  # the author's private link's token (/mine/); rows older than it have none

    @classmethod
    def from_json(cls, stored: Stored) -> Self:
        return cls(
            confirm=_optional_text(stored, "confirm"),
            unsubscribe=_text(stored, "unsubscribe"),
            manage=_optional_text(stored, "manage"),
        )


@dataclass(frozen=True)
class ReplyMail:
    unsubscribe: str
    lang: str  # the subscriber's own comment's language, which the reply may not share; "": none

    @classmethod
    def from_json(cls, stored: Stored) -> Self:
        return cls(unsubscribe=_text(stored, "unsubscribe"), lang=_optional_text(stored, "lang") or "")


@dataclass(frozen=True)
class MyDataMail:
    token: str  # the /mydata link's token; only its hash is kept once the mail is sent
    lang: str  # the language of the page it was asked from

    @classmethod
    def from_json(cls, stored: Stored) -> Self:
        return cls(token=_text(stored, "token"), lang=_optional_text(stored, "lang") or "")


Payload = SignInMail | DigestMail | PublishedMail | ReplyMail | MyDataMail


def dump(payload: Payload) -> str:
    """The payload column's text: the fields by name, in their order (a tuple as a list, a mode as its text)."""
    return json.dumps(dataclasses.asdict(payload))
