"""The sign-in mail: a moderator who asked for a link gets it, and no one else does."""

from __future__ import annotations

from ..events import Event, SigninRequested
from ..mail.payloads import SignInMail
from ..models import MailKind
from .writes import Mail


def follow(event: Event) -> list[Mail]:
    if not isinstance(event, SigninRequested):
        return []
    return [Mail(MailKind.SIGN_IN, event.moderator, payload=SignInMail(link=event.link_id))]
