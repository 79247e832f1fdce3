"""Pages for people: the demo article, the thank-you page, the dev mailbox."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from ..keys import config_key, dev_mailbox_key, form_stamp_key, store_key, templates_key
from ..mail.devmail import read_dev_mailbox

DEMO_THREAD = "/"
DEMO_TITLE = "How many ketamine treatments does depression take?"


def render_page(request: web.Request, template: str, *, status: int = 200, **context: object) -> web.Response:
    body = request.app[templates_key].get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html")


async def article(request: web.Request) -> web.Response:
    thread = await request.app[store_key].approved_thread(DEMO_THREAD)
    return render_page(
        request,
        "article.html",
        title=DEMO_TITLE,
        base="",
        thread=thread,
        values={
            "thread": DEMO_THREAD,
            "title": DEMO_TITLE,
            "return_to": request.app[config_key].public_url + "/",
            "issued": request.app[form_stamp_key].issue(),
        },
        errors={},
    )


async def thanks(request: web.Request) -> web.Response:
    return render_page(request, "thanks.html")


async def dev_mailbox(request: web.Request) -> web.Response:
    mail_dir: Path | None = request.app.get(dev_mailbox_key)
    if mail_dir is None:
        raise web.HTTPNotFound()  # only when the service runs its own mailbox
    return render_page(request, "mailbox.html", mails=read_dev_mailbox(mail_dir))
