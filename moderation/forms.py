"""Reading a posted form: the one place views get their form from, so that no body can fail them."""

from __future__ import annotations

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from .errors import ClientError
from .i18n import N_

UNREADABLE = N_("This form could not be read; go back, reload the page and try again.")


async def read_form(request: web.Request) -> MultiDictProxy[str]:
    """The form's text fields; a 400 page for a body that is not a form in its own encoding
    (bytes that are not UTF-8, an unknown charset, multipart)."""
    if request.content_type == "multipart/form-data":
        # No form of ours is multipart, and body_deadline (middlewares.py) has read the body
        # already, which aiohttp keeps for urlencoded forms only.
        raise ClientError(UNREADABLE)
    try:
        form = await request.post()
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError; LookupError: the charset
        raise ClientError(UNREADABLE) from None
    # Without multipart every value is text: this says so to the type checker.
    return MultiDictProxy(MultiDict((name, value) for name, value in form.items() if isinstance(value, str)))
