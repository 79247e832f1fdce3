"""Signing in to the queue with an emailed link, and signing out.

POST /queue/login answers the same page whatever the address, in the same time: the link and
its mail are written after the answer, so that no one can tell a moderator's address by it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from ..app_keys import clock_key, config_key, links_key, signin_limits_key, store_key
from ..auth import (
    SESSION_IDLE,
    SESSION_LIFETIME,
    check_csrf,
    check_origin,
    clear_session_cookie,
    moderator_named,
    new_session_cookie,
    require_signed_in,
    session_key,
    set_session_cookie,
)
from ..errors import DeadLink, InvalidToken, StoreUnavailable
from ..forms import read_form
from ..i18n import N_
from ..models import SigninLink
from ..rate_limits import client_address
from ..tokens import SigninSigner
from .requests import after_the_answer, language_of, render_page

log = logging.getLogger(__name__)

MAX_ADDRESS = 254


def signin_page(request: web.Request, *, status: int = 200, **context: object) -> web.Response:
    minutes = max(1, round(request.app[config_key].signin_ttl / 60))
    context = {"sent": False, "email": "", "error": None, "problem": None, "minutes": minutes} | context
    language = language_of(request)
    for said in ("error", "problem"):  # English messages of the catalogs, in the moderators' language
        if isinstance(context[said], str):
            context[said] = language.gettext(str(context[said]))
    response = render_page(request, "signin.html", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


async def request_link(request: web.Request) -> web.Response:
    check_origin(request)
    config = request.app[config_key]
    form = await read_form(request)
    email = str(form.get("email", "")).strip()
    if not email or len(email) > MAX_ADDRESS or "@" not in email:
        return signin_page(request, status=422, email=email[:MAX_ADDRESS], error=N_("Enter your email address."))
    moderator = moderator_named(email, config.moderators)
    client = client_address(request, config.trusted_proxies)
    if request.app[signin_limits_key].allow(client, moderator) and moderator is not None:
        after_the_answer(request.app, _mail_link(request.app, moderator))
    return signin_page(request, sent=True, email=email)


async def _mail_link(app: web.Application, moderator: str) -> None:
    try:
        await app[store_key].sessions.add_signin_link(moderator, app[config_key].signin_ttl)
    except StoreUnavailable as error:  # the moderator sees no mail and asks again
        log.warning("sign-in link not written: %s", error)


async def _link(request: web.Request) -> SigninLink:
    """The link named by the token, if it may still sign in; otherwise DeadLink saying why."""
    try:
        link_id = SigninSigner(request.app[config_key].secret_key).link_id(request.match_info["token"])
    except InvalidToken:
        raise DeadLink(403, N_("This sign-in link is not valid.")) from None
    link = await request.app[store_key].sessions.signin_link(link_id)
    if link is None:
        raise DeadLink(403, N_("This sign-in link is not valid."))
    if link.used:
        raise DeadLink(410, N_("This sign-in link was used already."))
    if link.expires <= request.app[clock_key]():
        raise DeadLink(410, N_("This sign-in link has expired."))
    if moderator_named(link.moderator, request.app[config_key].moderators) is None:
        raise DeadLink(403, N_("This address no longer moderates here."))
    return link


async def confirm(request: web.Request) -> web.Response:
    # Mail scanners open links: looking shows a button and uses nothing up.
    try:
        link = await _link(request)
    except DeadLink as dead:
        return signin_page(request, status=dead.status, problem=dead.problem)
    response = render_page(request, "signin_confirm.html", moderator=link.moderator)
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_in(request: web.Request) -> web.Response:
    check_origin(request)
    cookie = new_session_cookie()
    store = request.app[store_key]
    try:
        link = await _link(request)
        if (
            await store.sessions.sign_in(link.id, session_key(cookie), idle=SESSION_IDLE, lifetime=SESSION_LIFETIME)
            is None
        ):
            raise DeadLink(410, N_("This sign-in link was used already."))  # by a post racing this one
    except DeadLink as dead:
        return signin_page(request, status=dead.status, problem=dead.problem)
    response = web.Response(status=303, headers={"Location": request.app[links_key].queue()})
    set_session_cookie(response, request.app[config_key], cookie)
    return response


async def sign_out(request: web.Request) -> web.Response:
    signed = await require_signed_in(request)
    check_origin(request)
    check_csrf(signed, await read_form(request))
    await request.app[store_key].sessions.end_session(signed.key)
    response = web.Response(status=303, headers={"Location": request.app[links_key].queue()})
    clear_session_cookie(response, request.app[config_key])
    return response
