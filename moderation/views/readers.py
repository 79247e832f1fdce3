"""The links in mail to readers: confirm reply notifications, unsubscribe, never be mailed again.

A token in the path is the whole authority: no cookie, no CSRF field, no Origin check, since a
mail provider's one-click unsubscribe (RFC 8058) posts with none of them. Each GET only shows.
"""

from __future__ import annotations

from aiohttp import web

from ..app_keys import links_key, store_key
from ..forms import read_form
from ..models import Confirmed, Unsubscribed
from .requests import reader_language, render_page

# The status of each page a confirmation link can lead to.
CONFIRM_STATUS = {Confirmed.UNKNOWN: 404, Confirmed.EXPIRED: 410}


def _confirm_page(request: web.Request, state: Confirmed) -> web.Response:
    reader_language(request, request.query.get("lang"))  # the mail's, which its links carry
    return render_page(request, "subscription_confirm.html", status=CONFIRM_STATUS.get(state, 200), state=state.value)


async def confirm_form(request: web.Request) -> web.Response:
    # Mail scanners open links: looking shows a button and confirms nothing.
    return _confirm_page(request, await request.app[store_key].readers.confirmation(request.match_info["token"]))


async def confirm(request: web.Request) -> web.Response:
    return _confirm_page(request, await request.app[store_key].readers.confirm(request.match_info["token"]))


def _unsubscribe_page(request: web.Request, found: Unsubscribed, *, done: str = "") -> web.Response:
    reader_language(request, request.query.get("lang"))  # the mail's, which its links carry
    if not found.found:
        return render_page(request, "unsubscribe.html", status=404, found=found, done=done, page_url="")
    page_url = request.app[links_key].thread_page(found.thread)
    return render_page(request, "unsubscribe.html", found=found, done=done, page_url=page_url)


async def unsubscribe_form(request: web.Request) -> web.Response:
    return _unsubscribe_page(request, await request.app[store_key].readers.unsubscription(request.match_info["token"]))


async def unsubscribe(request: web.Request) -> web.Response:
    """RFC 8058: `List-Unsubscribe=One-Click` ends this subscription, answered 200 with no redirect.

    The page's second button posts `never`: no mail to the address again, whatever it ticks.
    """
    form = await read_form(request)
    never = "never" in form
    found = await request.app[store_key].readers.unsubscribe(request.match_info["token"], never=never)
    return _unsubscribe_page(request, found, done="never" if never else "one")
