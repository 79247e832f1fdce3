"""The moderation API, for scripts: the queue's listing and its decisions, behind a bearer token
(`moderation tokens`). The same store calls as the queue: one code path, two doors."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiohttp import web

from ..app_keys import languages_key, links_key, store_key
from ..errors import ClientError
from ..i18n import N_
from ..models import Action, AuditEntry, Channel, Comment, Decided, utc_text
from ..safety.clinic_voice import warning_message
from ..search import plain
from ..triage import triage_fields
from .queue import (
    ID_LIMIT,
    MAX_REASON,
    PAGE_SIZE,
    checked_action,
    checked_cursor,
    checked_ids,
    checked_listing,
    checked_reason,
    checked_reply_body,
    decide_and_count,
    post_site_reply,
)

MAX_LIMIT = 100
NO_TOKEN = N_("This needs a valid token of the moderation API: Authorization: Bearer TOKEN.")
REASON = N_("A reason is text of at most %(most)s characters; nothing was changed.")
NOT_JSON = N_("Send the decision as a JSON object (application/json).")
NO_PARENT = N_("There is no comment with that id; nothing was posted.")
# What a decision did to each comment asked for; "already_<state>" when it found it decided.
DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.SPAM: "spam",
    Action.RESTORE: "restored",
    Action.REDACT: "redacted",
}


async def token_name(request: web.Request) -> str:
    """The name of the request's token (the audit log's actor), or a 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    # A token is URL-safe ASCII: anything else was never made here.
    found = scheme.lower() == "bearer" and token.isascii() and token.isprintable() and token
    name = await request.app[store_key].api_tokens.holder(token) if found else None
    if name is None:
        raise ClientError(NO_TOKEN, 401, {"WWW-Authenticate": "Bearer"})
    return name


def _limit(value: str | None) -> int:
    try:
        limit = int(value) if value else PAGE_SIZE
    except ValueError:
        limit = 0
    if not 0 < limit <= MAX_LIMIT:
        raise ClientError(N_("Ask for 1 to %(most)s comments at a time."), values={"most": MAX_LIMIT})
    return limit


def listed(comment: Comment, last: AuditEntry | None) -> dict[str, object]:
    """A comment as moderators see it: its address included, and what the queue says of it."""
    return {
        "id": comment.id,
        "thread": comment.thread,
        "title": comment.title or comment.submitted_title,
        "name": comment.name,
        "email": comment.email,
        "website": comment.website,
        "body": comment.body,
        "body_html": comment.body_html,
        "created": utc_text(comment.created),
        "status": comment.status.value,
        "edited": comment.edited,  # by its author, since it was sent
        **triage_fields(comment),
        "last_decision": {key: value for key, value in last.as_json().items() if key != "comment"} if last else None,
    }


async def comments(request: web.Request) -> web.Response:
    await token_name(request)
    listing = checked_listing(request.query)
    after = checked_cursor(request.query.get("after"), listing.sort)
    limit = _limit(request.query.get("limit"))
    store = request.app[store_key]
    page = await store.comments.queue(listing, after, limit)
    lasts = await store.comments.last_decisions([comment.id for comment in page.comments])
    shown = [listed(comment, lasts.get(comment.id)) for comment in page.comments]
    return web.json_response({"comments": shown, "next": page.next_cursor})


async def _json_object(request: web.Request) -> dict[str, object]:
    if request.content_type != "application/json":
        raise ClientError(NOT_JSON)
    try:
        data = json.loads(await request.read())
    except (ValueError, RecursionError):  # not JSON, not UTF-8, too deep
        raise ClientError(NOT_JSON) from None
    if not isinstance(data, dict):
        raise ClientError(NOT_JSON)
    return data


def _reason(value: object) -> str | None:
    if value is not None and not (isinstance(value, str) and plain(value)):
        raise ClientError(REASON, 422, values={"most": MAX_REASON})
    return checked_reason(value or "")


def results(ids: Sequence[int], action: Action, decided: Sequence[Decided]) -> list[dict[str, object]]:
    said = {d.comment.id: DONE[action] if d.changed else f"already_{d.comment.status.value}" for d in decided}
    return [{"id": id_, "outcome": said.get(id_, "not_found")} for id_ in ids]


async def decide(request: web.Request) -> web.Response:
    actor = await token_name(request)
    data = await _json_object(request)
    action = checked_action(data.get("action"))
    asked = data.get("ids")
    ids = checked_ids(asked if isinstance(asked, list) else [None])
    reason = _reason(data.get("reason"))
    decided = await decide_and_count(request, ids, action, actor=actor, channel=Channel.API, reason=reason)
    return web.json_response({"results": results(ids, action, decided)})


def _parent(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < ID_LIMIT:
        raise ClientError(N_("Name the comment to reply to by its id; nothing was posted."), 422)
    return value


def _confirm(value: object) -> bool:
    if value is not None and not isinstance(value, bool):
        raise ClientError(N_("Send confirm as true or false; nothing was posted."), 422)
    return bool(value)


async def reply(request: web.Request) -> web.Response:
    """The site's reply, as the queue posts it: the parent approved if it waits, the reply published."""
    actor = await token_name(request)
    data = await _json_object(request)
    parent_id = _parent(data.get("parent"))
    body = checked_reply_body(request, data.get("body"))
    confirm = _confirm(data.get("confirm"))
    replied = await post_site_reply(request, parent_id, body, confirm=confirm, actor=actor, channel=Channel.API)
    if replied is None:
        raise ClientError(NO_PARENT, 404)
    if replied.warnings:
        language = request.app[languages_key].site
        warnings = [
            {"kind": warning.kind.value, "phrase": warning.phrase, "message": warning_message(warning, language)}
            for warning in replied.warnings
        ]
        return web.json_response({"warnings": warnings}, status=422)
    if replied.decided is None:  # removed meanwhile
        raise ClientError(NO_PARENT, 404)
    if replied.reply_id is None:
        raise ClientError(N_("That comment was rejected or marked as spam; nothing was posted."), 409)
    parent = replied.parent
    return web.json_response(
        {
            "id": replied.reply_id,
            "parent": parent.id,
            "thread": parent.thread,
            "url": request.app[links_key].comment_anchor(parent.thread, replied.reply_id),
            # As a decision says it: approved now, or found approved already.
            "parent_outcome": "approved" if replied.decided.changed else "already_approved",
        },
        status=201,
    )
