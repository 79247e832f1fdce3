"""What every view reads from a request and answers with: its language, its article, a page
in that language, an error page or JSON, and whether a thread takes comments."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass

from aiohttp import web

from ..app_keys import (
    after_answer_tasks_key,
    clock_key,
    config_key,
    languages_key,
    links_key,
    pending_note_key,
    store_key,
)
from ..i18n import Language
from ..models import Comment, CommentStatus, ThreadState
from ..safety.screening import crisis_message_in, notice_of

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Article:
    """The page a comment was written on, so that the service's own pages can name it and link back."""

    title: str
    url: str


ARTICLE = web.RequestKey("article", Article)  # a form post's page, set by views/comments.py
# The language of the reader's page, where a request names one (views/comments.py, embed.py...).
LANGUAGE = web.RequestKey("language", Language)


def language_of(request: web.Request) -> Language:
    """The reader's language if the request named one, else the site's (moderators' pages)."""
    return request.get(LANGUAGE) or request.app[languages_key].site


def reader_language(request: web.Request, code: object) -> Language:
    """The language a reader's page asks for (an unknown one: the site's), kept for its error pages."""
    language = request[LANGUAGE] = request.app[languages_key].get(code)
    return language


def wants_page(request: web.Request) -> bool:
    """Browsers posting a plain form get a page back; the JSON API gets JSON, and the moderation
    API's scripts get JSON whatever they send."""
    if request.path.startswith("/api/moderation/"):
        return False
    return not request.path.startswith("/api/") or request.content_type == FORM


def render_page(request: web.Request, template: str, *, status: int = 200, **context: object) -> web.Response:
    """A page in the reader's language where the request named one, else in the site's."""
    body = language_of(request).templates.get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html")


def error_response(
    request: web.Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    values: dict[str, object] | None = None,
) -> web.Response:
    language = language_of(request)
    message = language.gettext(message, **(values or {}))
    if not wants_page(request):
        return web.json_response({"error": message}, status=status, headers=headers)
    template = language.templates.select_template([f"{status}.html", "error.html"])
    body = template.render(status=status, message=message, article=request.get(ARTICLE))
    return web.Response(text=body, status=status, content_type="text/html", headers=headers)


def is_closed(request: web.Request, state: ThreadState) -> bool:
    """Whether the thread takes no new comments now: closed by hand, or past its age."""
    return state.closed(request.app[clock_key](), request.app[config_key].close_after_days)


async def own_pending(request: web.Request, thread: str | None) -> Comment | None:
    """The comment a plain form just sent, when its signed note (?pending=) is in the address:
    shown to the reader who was sent here, as awaiting moderation, until a moderator decides."""
    noted = _noted(request)
    comment = await request.app[store_key].comments.get(noted[0]) if noted is not None else None
    if comment is None or thread not in (None, comment.thread):
        return None
    # Spam looks the same to its sender as anything held; a decided comment needs no note.
    return comment if comment.status in (CommentStatus.PENDING, CommentStatus.SPAM) else None


def _noted(request: web.Request) -> tuple[int, str] | None:
    note = request.query.get("pending")
    return request.app[pending_note_key].read(note) if note else None


def manage_link(request: web.Request, pending: Comment | None) -> str | None:
    """The reader's private link to their own pending comment, from the same note (tokens.py PendingNote)."""
    noted = _noted(request) if pending is not None else None
    return request.app[links_key].mine(noted[1]) if noted is not None else None


@dataclass(frozen=True)
class PendingNotice:
    """What the page tells the writer of their own pending comment at once, in the page's language."""

    crisis: str | None  # MODERATION_CRISIS_MESSAGE, or its default
    personal_details: str | None


def pending_notice(request: web.Request, pending: Comment | None) -> PendingNotice | None:
    """The notice of the reader's own pending comment, from its stored holds (safety/screening.py)."""
    notice = notice_of(pending.holds) if pending is not None else None
    if notice is None:
        return None
    language = language_of(request)
    return PendingNotice(
        crisis=crisis_message_in(language, request.app[config_key].crisis_message) if notice.crisis else None,
        personal_details=notice.personal_details(language) if notice.kinds else None,
    )


def not_kept(response: web.Response, pending: Comment | None) -> web.Response:
    if pending is not None:  # one reader's page: no cache may keep it for another
        response.headers["Cache-Control"] = "private, no-store"
        # It shows the reader's private link, and its address holds the note: nothing passes them on.
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def after_the_answer(app: web.Application, work: Coroutine[object, None, None]) -> None:
    """Do `work` once the answer has gone, which does not wait for it: how long the answer took
    then tells nothing of what the work found (is this address known?)."""
    task = asyncio.create_task(work)
    tasks = app[after_answer_tasks_key]
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def finish_after_answers(app: web.Application) -> None:
    """On shutdown: the work already promised (the links answered as on their way) is done
    before the database closes."""
    tasks = app[after_answer_tasks_key]
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
