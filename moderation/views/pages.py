"""Pages for people: the demo article, the thank-you page, the dev mailbox."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .. import structured_data
from ..app_keys import dev_mailbox_key, form_stamp_key, links_key, store_key
from ..i18n import N_
from ..mail.devmail import read_dev_mailbox
from .requests import is_closed, manage_link, not_kept, own_pending, pending_notice, reader_language, render_page

DEMO_THREAD = "/"
DEMO_TITLE = N_("How many ketamine treatments does depression take?")


async def article(request: web.Request) -> web.Response:
    title = reader_language(request, request.query.get("lang")).gettext(DEMO_TITLE)
    links = request.app[links_key]
    thread = await request.app[store_key].threads.shown(DEMO_THREAD)
    pending = await own_pending(request, DEMO_THREAD)
    page_url = links.absolute(links.article())
    response = render_page(
        request,
        "article.html",
        title=title,
        base="",
        thread=thread,
        closed=is_closed(request, thread.state),
        pending=pending,
        notice=pending_notice(request, pending),
        json_ld=structured_data.article(thread, headline=title, page_url=page_url),
        manage=manage_link(request, pending),
        values={
            "thread": DEMO_THREAD,
            "title": title,
            "return_to": page_url,
            "issued": request.app[form_stamp_key].issue(),
        },
        errors={},
    )
    return not_kept(response, pending)


async def thanks(request: web.Request) -> web.Response:
    """Where a plain form with no page to go back to lands: the comment, and a link to its page."""
    reader_language(request, request.query.get("lang"))
    pending = await own_pending(request, None)
    back = request.app[links_key].thread_page(pending.thread if pending else "/")
    notice = pending_notice(request, pending)
    manage = manage_link(request, pending)
    response = render_page(request, "thanks.html", pending=pending, notice=notice, manage=manage, back=back, base="")
    return not_kept(response, pending)


async def dev_mailbox(request: web.Request) -> web.Response:
    mail_dir: Path | None = request.app.get(dev_mailbox_key)
    if mail_dir is None:
        raise web.HTTPNotFound()  # only when the service runs its own mailbox
    return render_page(request, "mailbox.html", mails=read_dev_mailbox(mail_dir))
