"""The public API: submit a comment, read the approved ones, count them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from aiohttp import web

from ..app_keys import (
    clock_key,
    config_key,
    form_stamp_key,
    languages_key,
    links_key,
    metrics_key,
    pending_note_key,
    rate_limit_key,
    rendered_threads_key,
    spam_guard_key,
    store_key,
)
from ..config import Config
from ..errors import ClientError, InvalidParent, ThreadClosed
from ..holds import Hold, HoldKind
from ..i18n import N_, Language
from ..links import Links
from ..models import CommentStatus
from ..openapi import openapi_document
from ..rate_limits import client_address
from ..safety.screening import Notice, notice_of
from ..spam import Screening, Verdict
from ..submissions import reader_comment
from ..tokens import new_token
from ..validation import Submission, is_thread_key, parse_submission, reserved_names
from .challenge import ask_for_solution, challenge_needed, spend_solution
from .requests import ARTICLE, FORM, Article, is_closed, reader_language, render_page

FIELDS = ("thread", "name", "email", "website", "body", "parent", "title", "notify", "lang")
# The honeypot and the form stamp (see spam.py), and the solution of a proof of work (challenge.py).
SPAM_FIELDS = ("homepage", "issued", "altcha")
MAX_THREADS_PER_COUNT = 100
CLOSED = N_("Comments are closed on this page.")
PENDING_ANCHOR = "comment-pending"
NOTICE_ANCHOR = "comment-notice"  # a crisis message or the personal-details notice, above the comment


async def read_fields(request: web.Request) -> tuple[dict[str, object], bool]:
    """The submitted fields (allow-listed) and whether they came from a plain HTML form."""
    if request.content_type not in ("application/json", FORM):
        raise ClientError(
            N_("Send the comment as JSON (application/json) or as a form (application/x-www-form-urlencoded).")
        )
    raw = await request.read()  # aiohttp answers 413 past client_max_size before we see it
    try:
        if request.content_type == FORM:
            data: object = dict(reversed(parse_qsl(raw.decode(), keep_blank_values=True, max_num_fields=50)))
        else:
            data = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, too many fields, too deep
        raise ClientError(N_("The request body is not valid JSON or form data.")) from None
    if not isinstance(data, dict):
        raise ClientError(N_("The request body must be a JSON object."))
    allowed = FIELDS + SPAM_FIELDS + (("return_to",) if request.content_type == FORM else ())
    return {key: value for key, value in data.items() if key in allowed}, request.content_type == FORM


def safe_return_to(url: object, config: Config) -> str | None:
    """A page on an allowed origin, or on the service's own (the demo article), to send a form
    poster back to (without its #fragment), or None."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin not in config.allowed_origins and origin != config.public_origin:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def article_of(values: dict[str, object], config: Config, links: Links) -> Article | None:
    """The page named by a form's fields: its return_to, else its thread on the site's first origin."""
    url = safe_return_to(values.get("return_to"), config)
    thread = values.get("thread")
    if url is None and isinstance(thread, str) and is_thread_key(thread):
        url = safe_return_to(links.thread_page(thread), config)
    if url is None:
        return None
    title = values.get("title")
    return Article(title.strip()[:300] if isinstance(title, str) else "", url)


def with_pending_note(url: str, note: str, anchor: str = PENDING_ANCHOR) -> str:
    """`url`, with the note that shows the reader their own comment, at its #comment-pending notice
    (or, for a comment with a notice of its own, that notice: _thread.html)."""
    parts = urlsplit(url)
    kept = [part for part in parts.query.split("&") if part and not part.startswith("pending=")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join([*kept, f"pending={note}"]), anchor))


def check_rate_limit(request: web.Request, address: str) -> None:
    limit = request.app.get(rate_limit_key)
    wait = limit.retry_after(address) if limit else None
    if wait is not None:
        request.app[metrics_key].submissions_refused.labels("rate_limited").inc()
        raise ClientError(
            N_("Too many comments from your address; please wait a moment."), 429, {"Retry-After": str(wait)}
        )


def form_page(request: web.Request, values: dict[str, object], errors: dict[str, str]) -> web.Response:
    """The form again, with what the reader typed and what is wrong with it."""
    kept = {key: value for key, value in values.items() if isinstance(value, str)}
    article = article_of(values, request.app[config_key], request.app[links_key])
    return render_page(request, "form_errors.html", status=422, base="", values=kept, errors=errors, article=article)


def invalid(request: web.Request, is_form: bool, values: dict[str, object], errors: dict[str, str]) -> web.Response:
    request.app[metrics_key].submissions_refused.labels("invalid").inc()
    if is_form:
        return form_page(request, values, errors)
    return web.json_response({"errors": errors}, status=422)


def check_origin(request: web.Request) -> None:
    """Posts from a browser must come from the site or from here, whatever their content type.

    A plain form or a text/plain post needs no CORS preflight, so CORS alone would not stop
    another site from posting in its readers' names.
    """
    config = request.app[config_key]
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site == "same-origin":
        # The browser vouches for it (no page can set this header), whatever host name the
        # service was reached by: http://localhost:8080 as well as the public URL.
        allowed = True
    elif origin is not None:
        allowed = origin in config.allowed_origins or origin == config.public_origin
    else:  # no Origin: not a browser, or an old one, whose Sec-Fetch-Site (if any) must not say cross-site
        allowed = fetch_site in (None, "same-site", "none")
    if not allowed:
        request.app[metrics_key].submissions_refused.labels("cross_site").inc()
        raise ClientError(N_("Comments can only be posted from the site's own pages."), 403)


async def submit(request: web.Request) -> web.Response:
    config = request.app[config_key]
    check_origin(request)
    values, is_form = await read_fields(request)
    language = reader_language(request, values.get("lang"))  # what it answers, and later mails, are in it
    article = article_of(values, config, request.app[links_key]) if is_form else None
    if article:  # a refusal from here on is a page that names the article and links back to it
        request[ARTICLE] = article
    address = client_address(request, config.trusted_proxies)
    solved = await spend_solution(request, values.get("altcha"))
    if not (solved and solved.counted):  # else the 428 it answers counted this very post already
        check_rate_limit(request, address)
    submission = parse_submission(values, language, reserved_names(config.site_name, config.moderators))
    if isinstance(submission, dict):
        return invalid(request, is_form, values, submission)
    verdict = await screen(request, submission, values, language)
    if solved is None and challenge_needed(request, address, verdict):
        if not is_form:
            return ask_for_solution(request, language)
        # A reader without JavaScript cannot solve it: never refused for that, the comment waits.
        verdict = verdict.with_hold(Hold(HoldKind.NO_CHALLENGE))
    manage, manage_hash = new_token()  # the writer's private link (/mine/): only its hash is kept
    comment = reader_comment(
        config, submission, verdict, remote_addr=address, lang=language.code, manage_hash=manage_hash
    )
    metrics = request.app[metrics_key]
    try:
        stored = await request.app[store_key].comments.submit(comment)
    except ThreadClosed:
        metrics.submissions_refused.labels("closed").inc()
        raise ClientError(CLOSED, 403) from None
    except InvalidParent:
        refusal = language.gettext(N_("You can only reply to a published comment on this page."))
        return invalid(request, is_form, values, {"parent": refusal})
    (metrics.comments_spam if stored.status is CommentStatus.SPAM else metrics.comments_submitted).inc()
    return accepted(request, stored.id, manage, values, is_form, language, notice_of(verdict.holds))


async def screen(
    request: web.Request, submission: Submission, values: dict[str, object], language: Language
) -> Verdict:
    stamp = values.get("issued")
    return await request.app[spam_guard_key].screen(
        Screening(
            submission,
            honeypot=str(values.get("homepage") or ""),
            stamp=None if stamp is None else str(stamp),
            language=language.code,
        )
    )


def accepted(
    request: web.Request,
    comment_id: int,
    manage: str,
    values: dict[str, object],
    is_form: bool,
    language: Language,
    notice: Notice | None,
) -> web.Response:
    """The answer to a comment taken: JSON, or a plain form's way back to its page."""
    # Spam gets the same answer as anything else: a bot learns nothing from it. What only the
    # writer needs to hear at once (a crisis, personal details) is said; such a comment is never spam.
    if not is_form:
        today = datetime.fromtimestamp(request.app[clock_key](), UTC)
        answer = {
            "id": comment_id,
            "status": "pending",
            "date": language.date(today),
            "manage": request.app[links_key].mine(manage),  # the writer's private link: for them alone
        }
        if notice:
            answer |= notice.answer(language, request.app[config_key].crisis_message)
        return web.json_response(answer, status=202)
    # Back to the page, which shows the reader (and only whoever holds this address, briefly)
    # their comment as awaiting moderation; with no page to go back to, the thank-you page does.
    note = request.app[pending_note_key].mint(comment_id, manage)
    target = safe_return_to(values.get("return_to"), request.app[config_key])
    thanks = request.app[links_key].thanks(note, language.code)
    anchor = NOTICE_ANCHOR if notice else PENDING_ANCHOR
    raise web.HTTPSeeOther(with_pending_note(target, note, anchor) if target else thanks)


def thread_key(request: web.Request) -> str:
    key = request.query.get("thread", "")
    if not is_thread_key(key):
        raise ClientError(N_("Give the page's path as ?thread=/path/ (at most 512 characters)."))
    return key


def thread_etag(version: int, closed: bool, language: Language) -> str:
    """The thread's version, whether it is closed, and the answer's language: a thread that
    closes by its age alone, with nothing written, gets a new ETag all the same, so no 304
    hides that it closed."""
    return f'"{version}{"-closed" if closed else ""}.{language.code}"'


async def list_comments(request: web.Request) -> web.Response:
    language = reader_language(request, request.query.get("lang"))
    key = thread_key(request)
    store = request.app[store_key]
    # One cheap lookup decides both the 304 and whether the rendered JSON is still good.
    state = await store.threads.state(key)
    etag = thread_etag(state.version, is_closed(request, state), language)
    if etag_matches(request.headers.get("If-None-Match", ""), etag):
        return web.Response(status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    rendered = request.app[rendered_threads_key]
    cached = f"{language.code} {key}"  # keys start with "/": no two (language, key) pairs meet
    body = rendered.get(cached, etag)
    if body is None:
        thread = await store.threads.shown(key)
        closed = is_closed(request, thread.state)
        etag = thread_etag(thread.version, closed, language)
        comments = [{**comment.public(), "date": language.date(comment.created)} for comment in thread.comments]
        answer = {"thread": key, "count": thread.published, "closed": closed, "comments": comments}
        body = json.dumps(
            answer | {"lang": language.code, "count_text": language.comment_count(thread.published)}
        ).encode()
        rendered.put(cached, etag, body)
    return web.Response(
        body=body,
        content_type="application/json",
        headers={"ETag": etag, "Cache-Control": "no-cache"},
    )


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match compares weakly (RFC 9110 13.1.2): W/"1" matches "1"."""
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(",")) if if_none_match else False


async def counts(request: web.Request) -> web.Response:
    keys = request.query.getall("thread", [])
    if not keys or len(keys) > MAX_THREADS_PER_COUNT or not all(map(is_thread_key, keys)):
        raise ClientError(
            N_("Give 1 to %(most)s page paths as ?thread=/a/&thread=/b/."), values={"most": MAX_THREADS_PER_COUNT}
        )
    return web.json_response(await request.app[store_key].threads.approved_counts(keys))


async def preflight(request: web.Request) -> web.Response:
    """CORS preflight for the widget's JSON posts; only allowed origins get the go-ahead."""
    response = web.Response(status=204)
    if request.headers.get("Origin") in request.app[config_key].allowed_origins:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


async def form_stamp(request: web.Request) -> web.Response:
    """A fresh form stamp for the widget, fetched when a reader starts writing."""
    return web.json_response({"issued": request.app[form_stamp_key].issue()}, headers={"Cache-Control": "no-store"})


async def widget_messages(request: web.Request) -> web.Response:
    """The widget's messages in the page's language (?lang=; unknown: the site's), by their English text."""
    languages = request.app[languages_key]
    language = languages.get(request.query.get("lang"))
    return web.json_response(
        {"lang": language.code, "messages": language.messages(languages.widget_messages)},
        headers={"Cache-Control": "public, max-age=300"},
    )


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document(request.app[config_key].public_url))
