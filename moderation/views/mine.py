"""A commenter's private link to their own comment (/mine/TOKEN): GET shows it and what may be done,
POST does it: withdraw or edit it while it waits, delete it once published.

The token in the path is the whole authority, as in reader mail's links: no cookie, no CSRF field.
A GET never changes anything: mail scanners open links.
"""

from __future__ import annotations

from aiohttp import web

from ..app_keys import config_key, links_key, spam_guard_key, store_key
from ..errors import ClientError
from ..forms import read_form
from ..i18n import N_
from ..models import Comment, CommentStatus
from ..rate_limits import client_address
from ..spam import Screening
from ..store.mine import Outcome
from ..submissions import reader_comment
from ..validation import parse_submission, reserved_names
from .comments import check_rate_limit
from .requests import reader_language, render_page

NO_SUCH_COMMENT = N_("This link does not lead to a comment. Check that the whole link was copied.")
ACTIONS = ("withdraw", "edit", "delete")


def _token(request: web.Request) -> str:
    return request.match_info["token"]


async def _own(request: web.Request) -> Comment:
    comment = await request.app[store_key].mine.find(_token(request))
    if comment is None:
        raise ClientError(NO_SUCH_COMMENT, 404)
    reader_language(request, request.query.get("lang") or comment.lang)  # the page's it was written on
    return comment


def _page(
    request: web.Request,
    comment: Comment,
    *,
    done: str = "",
    body: str | None = None,
    errors: dict[str, str] | None = None,
) -> web.Response:
    return render_page(
        request,
        "mine.html",
        status=422 if errors else 200,
        comment=comment,
        done=done,
        body=comment.body if body is None else body,
        errors=errors or {},
        page_url=request.app[links_key].thread_page(comment.thread),
    )


async def show(request: web.Request) -> web.Response:
    return _page(request, await _own(request))


async def act(request: web.Request) -> web.Response:
    comment = await _own(request)
    form = await read_form(request)
    action = form.get("action")
    if action not in ACTIONS:
        raise ClientError(N_("Choose to withdraw, edit or delete the comment."))
    if action == "edit":
        return await _edit(request, comment, form.get("body", ""))
    mine = request.app[store_key].mine
    outcome = await (mine.withdraw if action == "withdraw" else mine.delete)(_token(request))
    return _done(request, outcome, action)


def _done(request: web.Request, outcome: Outcome | None, action: str) -> web.Response:
    if outcome is None:  # gone between the look and the change (`moderation forget`)
        raise ClientError(NO_SUCH_COMMENT, 404)
    # Unchanged: a moderator decided first, or it was done before; the page says where it stands.
    return _page(request, outcome.comment, done=action if outcome.changed else "")


async def _edit(request: web.Request, comment: Comment, body: str) -> web.Response:
    """The new text goes through what a submission does: validation, the spam checks and rules,
    the classifier, and the safety holds."""
    config = request.app[config_key]
    language = reader_language(request, comment.lang)
    if comment.status is not CommentStatus.PENDING:
        return _page(request, comment)  # only a waiting comment takes an edit: the page says why
    check_rate_limit(request, client_address(request, config.trusted_proxies))
    fields: dict[str, object] = {
        "thread": comment.thread,
        "name": comment.name,
        "email": comment.email,
        "website": comment.website,
        "body": body,
        "title": comment.submitted_title,
    }
    if comment.parent is not None:
        fields["parent"] = comment.parent
    submission = parse_submission(fields, language, reserved_names(config.site_name, config.moderators))
    if isinstance(submission, dict):
        return _page(request, comment, body=body, errors=submission)
    if submission.body == comment.body:
        return _page(request, comment, done="unchanged")
    verdict = await request.app[spam_guard_key].screen(Screening(submission, language=language.code))
    edited = reader_comment(config, submission, verdict, remote_addr="", lang=comment.lang)
    return _done(request, await request.app[store_key].mine.edit(_token(request), edited), "edit")
