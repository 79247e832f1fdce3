"""The middlewares: errors become plain answers (JSON for the API, a page otherwise), a body is
read within its deadline, and every answer gets its security headers."""

from __future__ import annotations

import asyncio
import functools
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_protocol import RequestPayloadError

from . import views
from .app_keys import config_key
from .config import Config
from .errors import ClientError, ExpiredToken, InvalidToken, StoreUnavailable
from .i18n import N_
from .views.requests import error_response

log = logging.getLogger(__name__)

SENTENCES = {
    400: N_("The request could not be understood."),
    403: N_("This link is not valid."),
    404: N_("There is nothing here."),
    405: N_("This address does not take that method."),
    408: N_("The request took too long to arrive."),
    410: N_("This link has expired."),
    413: N_("The request is too large."),
    429: N_("Too many comments from your address; please wait a moment."),
    500: N_("Something went wrong on our side; it has been logged."),
    503: N_("The service is busy; please try again in a moment."),
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and 304s are answers, not errors
        kept = {name: exc.headers[name] for name in ("Allow", "Retry-After") if name in exc.headers}
        return error_response(request, exc.status, SENTENCES.get(exc.status, exc.reason), kept)
    except ClientError as error:
        return error_response(request, error.status, str(error), error.headers, error.values)
    except ExpiredToken as error:
        return error_response(request, 410, str(error))
    except InvalidToken as error:
        return error_response(request, 403, str(error))
    except StoreUnavailable as error:
        log.warning("database unavailable for %s %s: %s", request.method, logged_path(request), error)
        return error_response(request, 503, SENTENCES[503], {"Retry-After": "5"})
    except Exception:
        log.exception("unexpected error in %s %s", request.method, logged_path(request))
        return error_response(request, 500, SENTENCES[500])


def logged_path(request: web.Request) -> str:
    """The path as a log line may show it: a link's token is its holder's key, kept out of every log."""
    if views.route_name(request) in views.TOKEN_IN_PATH:
        return request.path.rsplit("/", 1)[0] + "/…"
    return request.path


def body_deadline(timeout: float) -> Middleware:
    """Every request's body is read before its view, within `timeout` seconds (aiohttp keeps it
    for the view's read() and post()): a client that sends it slowly is answered 408 and cut off,
    one that goes away halfway is a DEBUG line."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists:
            try:
                async with asyncio.timeout(timeout):
                    body = await request.read()
            except TimeoutError:
                return await cut_off(request, error_response(request, 408, SENTENCES[408]))
            except RequestPayloadError:  # a broken chunked or compressed body
                return await cut_off(request, error_response(request, 400, SENTENCES[400]))
            except ConnectionError as error:
                return gone(request, error)
            if request.content_length is not None and len(body) < request.content_length:
                return gone(request, "the body ended early")
        return await handler(request)

    return middleware


async def cut_off(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send the answer and close the connection now, rather than read the rest of a body that
    is not coming (aiohttp would go on reading it for 10 s)."""
    response.force_close()
    try:
        await response.prepare(request)
        await response.write_eof()
    except ConnectionError:
        pass  # gone meanwhile: nothing to answer
    request.protocol.force_close()
    return response


def gone(request: web.Request, reason: object) -> web.StreamResponse:
    log.debug("%s %s: the client went away before its body arrived (%s)", request.method, request.path, reason)
    request.protocol.force_close()
    return web.Response(status=400)  # never sent: the connection is closed


def content_security_policy(config: Config, frame_ancestors: str) -> str:
    # Forms may post here and, after a 303, land back on the site's own pages.
    form_targets = " ".join(["'self'", *config.allowed_origins, config.public_origin])
    return (
        # worker-src blob: the widget's proof of work runs in a worker made from its fetched source.
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; "
        "worker-src blob:; "
        f"form-action {form_targets}; frame-ancestors {frame_ancestors}; base-uri 'none'"
    )


@functools.cache
def _policies(config: Config) -> tuple[str, str]:
    """(every page, the /embed fragment): worked out once, sent on every answer."""
    return content_security_policy(config, "'none'"), content_security_policy(config, " ".join(config.allowed_origins))


SERVER = "moderation"  # no version: it would tell only those who look for a vulnerable one


def page_headers(config: Config) -> dict[str, str]:
    """What every answer but the /embed fragment carries (serving.py's own answers too)."""
    page_policy, _ = _policies(config)
    return {
        "Server": SERVER,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Content-Security-Policy": page_policy,
        "X-Frame-Options": "DENY",
    }


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    config = request.app[config_key]
    route = views.route_name(request)
    answer = page_headers(config)
    if route == views.FRAGMENT:
        # The fragment may sit in an iframe on the site's pages, and only there.
        answer["Content-Security-Policy"] = _policies(config)[1]
        del answer["X-Frame-Options"]
    for name, value in answer.items():
        headers.setdefault(name, value)
    headers["Server"] = SERVER  # aiohttp has set its own, with its version, by now
    if route in views.TOKEN_IN_PATH:
        # Links in email carry the token in the path: nothing may keep, pass on or index it.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "no-referrer"
        headers["X-Robots-Tag"] = "noindex, nofollow"  # a link that leaked is still no search result
    elif route in views.QUEUE or route in views.MODERATION_API:
        # The same for sign-in links and for the queue and its API, which show addresses; same-origin
        # rather than no-referrer, under which browsers send "Origin: null" with the queue's own posts.
        headers["Cache-Control"] = "no-store"
        headers["Referrer-Policy"] = "same-origin"
    if route in views.CROSS_ORIGIN:
        headers.add("Vary", "Origin")  # the answer differs by origin: caches must keep them apart
        origin = request.headers.get("Origin")
        if origin in config.allowed_origins:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = "Retry-After"  # so the widget can say how long
