"""What site pages embed: the widget script, the no-JavaScript fragment, avatars, feeds."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from .. import structured_data
from ..app_keys import clock_key, config_key, form_stamp_key, links_key, store_key
from ..avatars import AVATAR_KEY, identicon
from ..i18n import N_
from ..models import utc_text
from ..resources import folder
from .comments import safe_return_to, thread_key
from .requests import is_closed, manage_link, not_kept, own_pending, pending_notice, reader_language, render_page

STATIC_FILES = {
    "embed.js": "text/javascript",
    "embed.css": "text/css",
    "style.css": "text/css",
    "queue.js": "text/javascript",
    "pow-worker.js": "text/javascript",  # the widget's proof of work, fetched and run as a worker
    "avatar.svg": "image/svg+xml",  # a comment still awaiting moderation: its own avatar is not public yet
}
FEED_SIZE = 50


async def static_file(request: web.Request) -> web.FileResponse:
    name = request.match_info.get("name", "embed.js")
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.FileResponse(
        folder("static") / name,
        # Short enough that a new version reaches readers within minutes; ETags do the rest.
        headers={"Cache-Control": "public, max-age=300", "Content-Type": STATIC_FILES[name]},
    )


async def fragment(request: web.Request) -> web.Response:
    """The thread and its form as server-rendered HTML, for pages without JavaScript."""
    config = request.app[config_key]
    reader_language(request, request.query.get("lang"))  # the page's, given as ?lang=; unknown: the site's
    key = thread_key(request)
    links = request.app[links_key]
    thread = await request.app[store_key].threads.shown(key)
    return_to = safe_return_to(request.query.get("url"), config) or links.thread_page(key)
    title = request.query.get("title", "")[:300]
    pending = await own_pending(request, key)  # a site that includes the fragment per request passes ?pending= on
    response = render_page(
        request,
        "embed.html",
        base=config.public_url,
        thread=thread,
        closed=is_closed(request, thread.state),
        pending=pending,
        notice=pending_notice(request, pending),
        json_ld=structured_data.article(thread, headline=title or thread.title, page_url=links.thread_page(key)),
        manage=manage_link(request, pending),
        values={
            "thread": key,
            "title": title,
            "return_to": return_to,
            "issued": request.app[form_stamp_key].issue(),
        },
        errors={},
    )
    response.headers["Cache-Control"] = "no-cache"
    return not_kept(response, pending)


async def avatar(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    if not AVATAR_KEY.match(key):
        raise web.HTTPNotFound()
    return web.Response(
        text=identicon(key),
        content_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


async def feed(request: web.Request) -> web.Response:
    """Atom: one thread's approved comments with ?thread=, else the latest of the whole site."""
    links = request.app[links_key]
    store = request.app[store_key]
    language = reader_language(request, request.query.get("lang"))
    if "thread" in request.query:
        key = thread_key(request)
        comments = list(reversed((await store.threads.approved(key)).comments))[:FEED_SIZE]
        page_title = comments[0].title if comments and comments[0].title else key
        title, page_url = language.gettext(N_("Comments on %(title)s"), title=page_title), key
    else:
        comments = await store.threads.recent_approved(FEED_SIZE)
        title, page_url = language.gettext(N_("Latest comments")), "/"
    newest = comments[0].created if comments else datetime.fromtimestamp(request.app[clock_key](), UTC)
    body = render_page(
        request,
        "feed.xml",
        title=title,
        self_url=links.absolute(str(request.rel_url)),
        page_url=links.thread_page(page_url),
        updated=utc_text(newest),
        comments=comments,
        iso=utc_text,
    )
    body.content_type = "application/atom+xml"
    body.headers["Cache-Control"] = "public, max-age=300"
    return body
