"""The moderators' home: the queue by state, decisions on one comment or many, replies by the site."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiohttp import web
from babel.dates import format_timedelta
from multidict import MultiDictProxy

from ..app_keys import clock_key, config_key, languages_key, links_key, metrics_key, store_key
from ..auth import SignedIn, check_csrf, check_origin, require_signed_in, signed_in
from ..errors import BadCursor, ClientError
from ..forms import read_form
from ..i18n import N_, Language
from ..models import Action, Channel, Comment, CommentStatus, Cursor, Decided, Sort, parse_cursor
from ..queue_notice import Outcome, outcome_of
from ..safety.clinic_voice import CareWarning, care_warnings, warning_message
from ..search import EVERYTHING, MAX_QUERY, Listing, Search, parse_search, plain
from ..submissions import site_reply
from .requests import language_of, render_page
from .signin import signin_page

PAGE_SIZE = 50
MAX_IDS = 100
MAX_REASON = 500
MAX_BODY = 10_000
ID_LIMIT = 2**63  # every database id is below it (a signed 64-bit integer)
NO_SUCH_PAGE = N_("This page of the queue does not exist.")
REPLY_BODY = N_("Write a reply of 1 to %(most)s characters to one comment; nothing was changed.")
TABS = (CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.REJECTED, CommentStatus.APPROVED)
# What each tab offers: only actions that apply to comments in that state.
ACTIONS = {
    # Redact too, on the rows it fits: those with personal details (_queue_item.html).
    CommentStatus.PENDING: (Action.APPROVE, Action.REJECT, Action.SPAM),
    CommentStatus.SPAM: (Action.RESTORE,),
    CommentStatus.REJECTED: (Action.RESTORE,),
    CommentStatus.APPROVED: (),
}


UNANSWERED = "unanswered"  # the one filter: approved readers' questions the site has not replied to


def checked_status(value: str | None) -> CommentStatus:
    try:
        status = CommentStatus(value or CommentStatus.PENDING)
    except ValueError:
        raise ClientError(N_("There is no such tab in the queue.")) from None
    if status not in TABS:  # withdrawn and deleted comments are their authors', emptied: nothing to moderate
        raise ClientError(N_("There is no such tab in the queue."))
    return status


def checked_sort(value: str | None) -> Sort:
    try:
        return Sort(value or Sort.OLDEST)
    except ValueError:
        raise ClientError(N_("Sort the queue by oldest, likely_ok or likely_spam.")) from None


def checked_search(value: str) -> Search:
    try:
        return parse_search(value)
    except ValueError:
        raise ClientError(N_("Search for at most %(most)s characters of text."), values={"most": MAX_QUERY}) from None


def checked_listing(query: Mapping[str, str]) -> Listing:
    """What a queue page or the moderation API's listing asks for (status, sort, filter, q), or a 400."""
    filtered = query.get("filter") or ""
    if filtered not in ("", UNANSWERED):
        raise ClientError(N_("The queue has one filter: unanswered."))
    unanswered = filtered == UNANSWERED
    # Unanswered questions are approved comments: that tab unless another is named.
    status = checked_status(query.get("status") or (CommentStatus.APPROVED if unanswered else None))
    if unanswered and status is not CommentStatus.APPROVED:
        raise ClientError(N_("Unanswered questions are in the approved tab."))
    q = " ".join(query.get("q", "").split())
    return Listing(status, checked_sort(query.get("sort")), unanswered, q, checked_search(q))


def checked_cursor(value: str | None, sort: Sort) -> Cursor | None:
    """The page's start, checked now: a 400 rather than a query that cannot run."""
    if not value:
        return None
    try:
        cursor = parse_cursor(value, sort)
    except BadCursor:
        raise ClientError(NO_SUCH_PAGE) from None
    if not 0 <= cursor.id < ID_LIMIT:
        raise ClientError(NO_SUCH_PAGE)
    return cursor


def age(created: datetime, now: datetime, language: Language) -> str:
    """ "3 hours ago", counted down to whole units, in the moderators' language."""
    seconds = max(0.0, (now - created).total_seconds())
    units: tuple[tuple[Literal["day", "hour", "minute"], int], ...] = (("day", 86400), ("hour", 3600), ("minute", 60))
    for unit, size in units:
        if seconds >= size:
            whole = timedelta(seconds=-(seconds // size) * size)
            return format_timedelta(
                whole, granularity=unit, threshold=1, add_direction=True, locale=language.locale_name
            )
    return language.gettext(N_("just now"))


@dataclass(frozen=True)
class Draft:
    """A reply sent back for a second look: the moderator's text, kept, and what it may confirm or disclose."""

    comment: int
    body: str
    warnings: list[str]  # in the site's language


async def home(request: web.Request) -> web.Response:
    signed = await signed_in(request)
    if signed is None:
        return signin_page(request)
    listing = checked_listing(request.query)
    after = checked_cursor(request.query.get("after"), listing.sort)
    outcome = Outcome.from_json(signed.flash)
    shown = outcome if outcome and request.query.get("done") == outcome.id else None
    return await _page(request, signed, listing, after, outcome=shown)


async def _page(
    request: web.Request,
    signed: SignedIn,
    listing: Listing,
    after: Cursor | None,
    *,
    outcome: Outcome | None = None,
    draft: Draft | None = None,
) -> web.Response:
    """One tab of the queue; with the outcome of the last decision, or a reply that waits for a second look."""
    store = request.app[store_key]
    # Taken before the comments are read: its forms post it back as `seen` (edited_since_seen).
    seen = repr(request.app[clock_key]())
    page = await store.comments.queue(listing, after, PAGE_SIZE)
    links = request.app[links_key]
    response = render_page(
        request,
        "queue.html",
        status=422 if draft else 200,
        moderator=signed.moderator,
        csrf=signed.csrf,
        tab=listing.status,
        tabs=TABS,
        listing=listing,
        sorts=tuple(Sort),
        # On the approved tab: all of it, or only the questions the site has not answered.
        filters=[(unanswered, links.queue(replace(listing, unanswered=unanswered))) for unanswered in (False, True)]
        if listing.status is CommentStatus.APPROVED
        else [],
        cleared_url=links.queue(replace(listing, q="", search=EVERYTHING)),
        # The sentence that says what the page shows, when it is not simply the tab.
        total=await store.comments.count(listing) if listing.q or listing.unanswered else None,
        counts=await store.comments.count_by_status((CommentStatus.PENDING, CommentStatus.SPAM)),
        actions=ACTIONS[listing.status],
        comments=page.comments,
        lasts=await store.comments.last_decisions([comment.id for comment in page.comments]),
        after=str(after) if after else None,
        next_url=links.queue(listing, page.next_cursor) if page.next_cursor else None,
        first_url=links.queue(listing) if after else None,
        outcome=outcome,
        draft=draft,
        site_name=request.app[config_key].site_name,
        now=datetime.fromtimestamp(request.app[clock_key](), UTC),
        seen=seen,
        age=lambda created, now: age(created, now, language_of(request)),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def _signed_post(request: web.Request) -> tuple[SignedIn, MultiDictProxy[str]]:
    """The moderator and the form of a state-changing post, or 303 (no session) or 403."""
    signed = await require_signed_in(request)
    check_origin(request)
    form = await read_form(request)
    check_csrf(signed, form)
    return signed, form


def _back(form: MultiDictProxy[str]) -> tuple[Listing, Cursor | None]:
    """The listing and page the form was on, to go back to."""
    try:
        listing = checked_listing(form)
        return listing, checked_cursor(form.get("after"), listing.sort)
    except ClientError:
        return Listing(), None


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(value)
    return int(value)


def checked_ids(values: Sequence[object]) -> list[int]:
    """The comments a decision is asked for, each once (a form's fields or a JSON list), or a 422."""
    if len(values) > MAX_IDS:
        raise ClientError(
            N_("At most %(most)s comments at a time; nothing was changed."), 422, values={"most": MAX_IDS}
        )
    try:
        ids = list(dict.fromkeys(_id(value) for value in values))
    except ValueError:
        ids = [0]
    if not all(0 < id_ < ID_LIMIT for id_ in ids):
        raise ClientError(N_("Those are not comments of this queue; nothing was changed."), 422)
    return ids


def checked_action(value: object) -> Action:
    try:
        return Action(str(value))
    except ValueError:
        raise ClientError(N_("Choose approve, reject, spam, restore or redact; nothing was changed."), 422) from None


def checked_reason(value: str) -> str | None:
    reason = value.strip()
    if len(reason) > MAX_REASON:
        raise ClientError(
            N_("Keep the reason to %(most)s characters; nothing was changed."), 422, values={"most": MAX_REASON}
        )
    return reason or None


async def decide_and_count(
    request: web.Request, ids: Sequence[int], action: Action, *, actor: str, channel: Channel, reason: str | None
) -> list[Decided]:
    """A decision from the queue or the moderation API: the same store call, the same metrics."""
    if not ids:
        return []
    decided = await request.app[store_key].comments.decide(ids, action, actor=actor, channel=channel, reason=reason)
    changed = sum(outcome.changed for outcome in decided)
    if changed:
        request.app[metrics_key].decisions.labels(action.value).inc(changed)
    return decided


async def _answer(request: web.Request, signed: SignedIn, form: MultiDictProxy[str], outcome: Outcome) -> web.Response:
    await request.app[store_key].sessions.set_flash(signed.key, outcome.to_json())
    listing, after = _back(form)
    cursor = str(after) if after else None
    return web.Response(status=303, headers={"Location": request.app[links_key].queue(listing, cursor, outcome.id)})


async def decide(request: web.Request) -> web.Response:
    signed, form = await _signed_post(request)
    action = checked_action(form.get("action", ""))
    ids = checked_ids(form.getall("id", []))
    reason = checked_reason(str(form.get("reason", "")))
    if not ids:
        return await _answer(request, signed, form, Outcome(action, []))
    edited = await edited_since_seen(request, form, ids)
    ids = [id_ for id_ in ids if id_ not in edited]
    decided = await decide_and_count(request, ids, action, actor=signed.moderator, channel=Channel.QUEUE, reason=reason)
    return await _answer(request, signed, form, outcome_of(action, ids, decided, edited=len(edited)))


async def edited_since_seen(request: web.Request, form: MultiDictProxy[str], ids: Sequence[int]) -> set[int]:
    """The comments whose authors changed the text after the queue's page showed it (its `seen`):
    a moderator decides on what they read, or not at all."""
    try:
        seen = float(form.get("seen", ""))
    except ValueError:
        return set()  # a form from before the field, or a hand-made post: as it always was
    return await request.app[store_key].comments.edited_since(ids, seen) if math.isfinite(seen) else set()


def checked_reply_body(request: web.Request, value: object) -> str:
    """A reply's text, from the queue's form or the API, or a 422."""
    body = value.strip() if isinstance(value, str) else ""
    if not body or len(body) > MAX_BODY or not plain(body):
        raise ClientError(REPLY_BODY, 422, values={"most": language_of(request).number(MAX_BODY)})
    return body


@dataclass(frozen=True)
class SiteReply:
    """What a reply by the site came to."""

    parent: Comment
    warnings: list[CareWarning]  # not posted: it may confirm or disclose care, and was not confirmed
    decided: Decided | None = None  # the parent after its approval; None: it went meanwhile
    reply_id: int | None = None  # None: not posted (the parent was rejected or is spam)


async def post_site_reply(
    request: web.Request, parent_id: int, body: str, *, confirm: bool, actor: str, channel: Channel
) -> SiteReply | None:
    """The site's reply from the queue or the moderation API: one code path, two doors. The reply is
    checked for words that confirm or disclose care (unless confirmed); then the parent is approved
    if it waits and the reply published under it. None: there is no such comment."""
    store = request.app[store_key]
    parent = await store.comments.get(parent_id)
    if parent is None:
        return None
    if parent.by_site:
        raise ClientError(N_("The site does not reply to its own replies; nothing was posted."), 422)
    language = request.app[languages_key].site
    warnings = [] if confirm else care_warnings(body, language.code, parent.name)
    if warnings:
        return SiteReply(parent, warnings)
    reply = site_reply(request.app[config_key], body)
    decided, reply_id = await store.comments.reply_as_site(parent.id, reply, actor=actor, channel=channel)
    if decided is not None and decided.changed:
        request.app[metrics_key].decisions.labels(Action.APPROVE.value).inc()
    return SiteReply(parent, [], decided, reply_id)


async def reply(request: web.Request) -> web.Response:
    """Approve and reply: the comment is approved (if it waits) and the site's answer published under
    it; a reply that may confirm or disclose care comes back with the warnings, unless confirmed."""
    signed, form = await _signed_post(request)
    ids = checked_ids(form.getall("id", []))
    if len(ids) != 1:
        raise ClientError(REPLY_BODY, 422, values={"most": language_of(request).number(MAX_BODY)})
    body = checked_reply_body(request, form.get("body"))
    if await edited_since_seen(request, form, ids):
        outcome = outcome_of(Action.APPROVE, [], [], replied=True, edited=1)
        return await _answer(request, signed, form, outcome)
    replied = await post_site_reply(
        request, ids[0], body, confirm="confirm" in form, actor=signed.moderator, channel=Channel.QUEUE
    )
    if replied and replied.warnings:
        warnings = [warning_message(warning, language_of(request)) for warning in replied.warnings]
        listing, after = _back(form)
        return await _page(request, signed, listing, after, draft=Draft(ids[0], body, warnings))
    decided = replied.decided if replied else None
    links = request.app[links_key]
    reply_url = links.comment_anchor(replied.parent.thread, replied.reply_id) if replied and replied.reply_id else None
    outcome = outcome_of(Action.APPROVE, ids, [decided] if decided else [], replied=True, reply_url=reply_url)
    return await _answer(request, signed, form, outcome)


async def elsewhere(request: web.Request) -> web.Response:
    """Any other /queue/... address: signed out, the way in; signed in, nothing here."""
    await require_signed_in(request)
    raise web.HTTPNotFound()
