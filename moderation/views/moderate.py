"""The links in moderator emails: GET shows the comment and a button, POST acts."""

from __future__ import annotations

import hashlib

from aiohttp import web

from ..app_keys import config_key, links_key, metrics_key, signer_key, store_key
from ..errors import ClientError, InvalidToken
from ..forms import read_form
from ..i18n import N_
from ..models import Comment, CommentStatus
from ..tokens import Decision
from .requests import render_page


def removed() -> ClientError:
    # A link signed by us, so not forged: `moderation forget` removed the comment since the mail went out.
    return ClientError(N_("This comment was removed."), 410)


async def _decision(request: web.Request) -> tuple[Decision, Comment]:
    decision = request.app[signer_key].check(request.match_info["token"])
    comment = await request.app[store_key].comments.get(decision.comment_id)
    if comment is None:
        raise removed()
    return decision, comment


def text_seen(comment: Comment) -> str:
    """A short stamp of the text the confirm page shows, which its form posts back."""
    return hashlib.sha256(comment.body.encode()).hexdigest()[:16]


async def _confirm_page(
    request: web.Request, decision: Decision, comment: Comment, *, edited: bool = False
) -> web.Response:
    last = (await request.app[store_key].comments.last_decisions([comment.id])).get(comment.id)
    page_url = request.app[links_key].thread_page(comment.thread)
    return render_page(
        request,
        "confirm.html",
        status=409 if edited else 200,
        comment=comment,
        action=decision.action,
        last=last,
        page_url=page_url,
        seen=text_seen(comment),
        edited_since=edited,
    )


async def confirm(request: web.Request) -> web.Response:
    # Mail scanners open every link: a GET only shows, it never acts.
    decision, comment = await _decision(request)
    return await _confirm_page(request, decision, comment)


async def act(request: web.Request) -> web.Response:
    decision, comment = await _decision(request)
    seen = (await read_form(request)).get("seen")
    if seen is not None and seen != text_seen(comment) and comment.status is CommentStatus.PENDING:
        # Its author edited it after the moderator read it: they decide on the text they saw, or not at all.
        return await _confirm_page(request, decision, comment, edited=True)
    config = request.app[config_key]
    moderator = request.app[signer_key].moderator_for(decision.moderator, config.moderators)
    if moderator is None:
        raise InvalidToken(N_("This link belongs to someone who is no longer a moderator."))
    decided = await request.app[store_key].comments.decide(
        [comment.id], decision.action, actor=moderator, channel=decision.channel
    )
    if not decided:  # removed between the look above and the decision
        raise removed()
    (outcome,) = decided
    if outcome.changed:
        request.app[metrics_key].decisions.labels(decision.action.value).inc()
    return render_page(
        request,
        "decided.html",
        comment=outcome.comment,
        changed=outcome.changed,
        last=outcome.last,
        page_url=request.app[links_key].thread_page(outcome.comment.thread),
    )
