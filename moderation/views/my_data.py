"""My data: a reader asks for a link to what is kept under an address, then downloads or erases it.

POST /mydata answers the same page for every address, in the same time: whether anything is
kept under it, and the link and its mail, are worked out after the answer, as for a sign-in
link. The link's token is the whole authority over its page: each GET only shows.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from ..app_keys import (
    clock_key,
    config_key,
    data_requests_key,
    links_key,
    store_key,
)
from ..errors import ClientError, StoreUnavailable, TooLong
from ..forms import read_form
from ..i18n import N_
from ..models import Channel
from ..personal_data import LINK_TTL, DataLink
from ..rate_limits import client_address
from ..validation import TEXT_FIELDS
from .requests import after_the_answer, language_of, reader_language, render_page

log = logging.getLogger(__name__)

TOO_MANY = N_("Too many requests from your address; please try again in an hour.")


def _ask_page(request: web.Request, *, status: int = 200, **context: object) -> web.Response:
    context = {"sent": False, "error": None, "email": "", "hours": round(LINK_TTL / 3600)} | context
    response = render_page(request, "my_data.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def ask_form(request: web.Request) -> web.Response:
    reader_language(request, request.query.get("lang"))  # the page's, which the widget's link carries
    return _ask_page(request)


async def ask(request: web.Request) -> web.Response:
    form = await read_form(request)
    language = reader_language(request, form.get("lang") or request.query.get("lang"))
    # Every post counts, a malformed one too: trying addresses costs the same whatever they are.
    wait = request.app[data_requests_key].retry_after(client_address(request, request.app[config_key].trusted_proxies))
    if wait is not None:
        raise ClientError(TOO_MANY, 429, {"Retry-After": str(wait)})
    typed = form.get("email", "")
    try:
        address = TEXT_FIELDS["email"](typed)
    except ValueError as problem:
        values = {"most": problem.most} if isinstance(problem, TooLong) else {}
        error = language.gettext(str(problem), **values)
        # Only what cannot be an address comes back: the answer to any address shows none.
        return _ask_page(request, status=422, error=error, email=typed.strip()[:254])
    after_the_answer(request.app, _write_link(request.app, address, language.code))
    return _ask_page(request, sent=True)


async def _write_link(app: web.Application, address: str, lang: str) -> None:
    try:
        await app[store_key].my_data.request(address, lang)
    except StoreUnavailable as error:  # the reader sees no mail and asks again
        log.warning("/mydata link not written: %s", error)


async def _link(request: web.Request) -> DataLink | None:
    reader_language(request, request.query.get("lang"))  # the mail's, which its link carries
    return await request.app[store_key].my_data.link(request.match_info["token"])


def _link_page(request: web.Request, state: str, *, status: int = 200, **context: object) -> web.Response:
    return render_page(request, "my_data_link.html", status=status, state=state, **context)


def _dead(request: web.Request) -> web.Response:
    return _link_page(request, "dead", status=404)


async def shown(request: web.Request) -> web.Response:
    link = await _link(request)
    if link is None:
        return _dead(request)
    kept = await request.app[store_key].my_data.kept(link)
    token, lang = request.match_info["token"], language_of(request).code
    links = request.app[links_key]
    return _link_page(
        request,
        "open",
        kept=kept,
        hours=round(LINK_TTL / 3600),
        download_url=links.my_data_download(token, lang),
        erase_url=links.my_data_erase(token, lang),
    )


async def download(request: web.Request) -> web.Response:
    link = await _link(request)
    if link is None:
        return _dead(request)
    kept = await request.app[store_key].my_data.kept(link)
    document = kept.document(request.app[links_key], request.app[clock_key]())
    return web.Response(
        text=json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
    )


async def erase(request: web.Request) -> web.Response:
    """Everything `moderation forget` erases for the link's address; the link ends with it."""
    link = await _link(request)
    if link is None:
        return _dead(request)
    gone = await request.app[store_key].comments.forget(link.address, Channel.AUTHOR)  # its owner erased it
    return _link_page(request, "erased", gone=gone)
