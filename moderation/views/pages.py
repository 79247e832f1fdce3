"""Pages for people: the demo article, the thank-you page, the dev mailbox."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..app_keys import clock_key, config_key, dev_mailbox_key, form_stamp_key, pending_note_key, store_key
from ..i18n import N_
from ..mail.devmail import read_dev_mailbox
from ..middlewares import language_of, reader_language
from ..models import Comment, CommentStatus, ThreadState

DEMO_THREAD = "/"
DEMO_TITLE = N_("How many ketamine treatments does depression take?")


def render_page(request: web.Request, template: str, *, status: int = 200, **context: object) -> web.Response:
    """A page in the reader's language where the request named one, else in the site's."""
    body = language_of(request).templates.get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html")


def is_closed(request: web.Request, state: ThreadState) -> bool:
    """Whether the thread takes no new comments now: closed by hand, or past its age."""
    return state.closed(request.app[clock_key](), request.app[config_key].close_after_days)


async def own_pending(request: web.Request, thread: str | None) -> Comment | None:
    """The comment a plain form just sent, when its signed note (?pending=) is in the address:
    shown to the reader who was sent here, as awaiting moderation, until a moderator decides."""
    note = request.query.get("pending")
    comment_id = request.app[pending_note_key].comment_id(note) if note else None
    comment = await request.app[store_key].comments.get(comment_id) if comment_id is not None else None
    if comment is None or thread not in (None, comment.thread):
        return None
    # Spam looks the same to its sender as anything held; a decided comment needs no note.
    return comment if comment.status in (CommentStatus.PENDING, CommentStatus.SPAM) else None


def not_kept(response: web.Response, pending: Comment | None) -> web.Response:
    if pending is not None:  # one reader's page: no cache may keep it for another
        response.headers["Cache-Control"] = "private, no-store"
    return response


async def article(request: web.Request) -> web.Response:
    title = reader_language(request, request.query.get("lang")).gettext(DEMO_TITLE)
    thread = await request.app[store_key].threads.approved(DEMO_THREAD)
    pending = await own_pending(request, DEMO_THREAD)
    response = render_page(
        request,
        "article.html",
        title=title,
        base="",
        thread=thread,
        closed=is_closed(request, thread.state),
        pending=pending,
        values={
            "thread": DEMO_THREAD,
            "title": title,
            "return_to": request.app[config_key].public_url + "/",
            "issued": request.app[form_stamp_key].issue(),
        },
        errors={},
    )
    return not_kept(response, pending)


async def thanks(request: web.Request) -> web.Response:
    """Where a plain form with no page to go back to lands: the comment, and a link to its page."""
    reader_language(request, request.query.get("lang"))
    pending = await own_pending(request, None)
    config = request.app[config_key]
    back = config.allowed_origins[0] + (pending.thread if pending else "/")
    response = render_page(request, "thanks.html", pending=pending, back=back, base="")
    return not_kept(response, pending)


async def dev_mailbox(request: web.Request) -> web.Response:
    mail_dir: Path | None = request.app.get(dev_mailbox_key)
    if mail_dir is None:
        raise web.HTTPNotFound()  # only when the service runs its own mailbox
    return render_page(request, "mailbox.html", mails=read_dev_mailbox(mail_dir))
