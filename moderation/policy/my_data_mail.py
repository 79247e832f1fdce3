"""The "my data" mail: the link to what is kept under an address, to that address alone.

It goes to an address that asked never to be mailed too. do-not-mail stops the notifications a
reader once subscribed to; this mail is the answer to a request made a moment ago, at most one
a day, about nothing but the address's own data, and it is the only way its owner can see or
erase what the do-not-mail entry and any comments keep.
"""

from __future__ import annotations

from ..events import DataRequested, Event
from ..mail.payloads import MyDataMail
from ..models import MailKind
from .writes import Mail


def follow(event: Event) -> list[Mail]:
    if not isinstance(event, DataRequested):
        return []
    return [Mail(MailKind.MY_DATA, event.address, payload=MyDataMail(token=event.token, lang=event.lang))]
