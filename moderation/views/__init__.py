"""The whole route table, every route named, and which routes' answers need more than a page's headers."""

from aiohttp import web

from . import challenge, comments, embed, health, mine, moderate, moderation_api, my_data, pages, queue, readers, signin

# The routes whose answers the security headers (middlewares.py) treat apart, by name.
FRAGMENT = "fragment"  # the one answer that may sit in an iframe, on the site's pages
API = frozenset(
    {"submit", "comments", "preflight", "counts", "feed", "form_stamp", "widget_messages", "openapi", "challenge"}
)
# What the widget fetch()es from a site's page: the API, and the proof of work's worker script
# among the static files (a page may start a worker only from its own origin, or from a blob).
CROSS_ORIGIN = API | {"static"}
TOKEN_IN_PATH = frozenset(  # links in mail (and a commenter's own link), the token in their path
    {"confirm", "act", "confirm_subscription", "subscribe", "unsubscribe_form", "unsubscribe", "mine", "mine_act"}
    | {"my_data_link", "my_data_download", "my_data_erase"}
)
QUEUE = frozenset(
    {"queue", "request_signin", "confirm_signin", "sign_in", "sign_out", "decide", "reply", "queue_elsewhere"}
)
# The moderation API: for scripts, not pages (no CORS), and it shows addresses (no cache keeps it).
MODERATION_API = frozenset({"moderation_comments", "moderation_decide", "moderation_reply"})
# An answer no route matched (404, 405) is treated as the routes whose paths it shares, as
# before the routes had names: the prefix it starts with names one of them.
UNMATCHED = {  # the first prefix that fits
    "/api/moderation/": "moderation_comments",
    "/api/": "comments",
    "/moderate/": "confirm",
    "/subscriptions/": "subscribe",
    "/unsubscribe/": "unsubscribe",
    "/mydata/": "my_data_link",
    "/mine/": "mine",
    "/queue": "queue",
}


def route_name(request: web.Request) -> str | None:
    """The name of the route that answers, or stands for the path where none matched."""
    name = request.match_info.route.name
    if name is not None:
        return name
    if request.path == "/embed":  # a method /embed does not take
        return FRAGMENT
    return next((name for prefix, name in UNMATCHED.items() if request.path.startswith(prefix)), None)


def setup_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/", pages.article, name="article")
    router.add_get("/thanks", pages.thanks, name="thanks")
    router.add_get("/embed.js", embed.static_file, name="widget")
    router.add_get("/static/{name}", embed.static_file, name="static")
    router.add_get("/embed", embed.fragment, name="fragment")
    router.add_get("/avatar/{key}.svg", embed.avatar, name="avatar")
    router.add_get("/dev/mailbox", pages.dev_mailbox, name="dev_mailbox")
    router.add_post("/api/comments", comments.submit, name="submit")
    router.add_get("/api/comments", comments.list_comments, name="comments")
    router.add_route("OPTIONS", "/api/comments", comments.preflight, name="preflight")
    router.add_get("/api/comments/counts", comments.counts, name="counts")
    router.add_get("/api/comments/feed", embed.feed, name="feed")
    router.add_get("/api/comments/form", comments.form_stamp, name="form_stamp")
    router.add_get("/api/comments/messages", comments.widget_messages, name="widget_messages")
    router.add_get("/api/challenge", challenge.challenge, name="challenge")
    router.add_get("/api/openapi.json", comments.openapi, name="openapi")
    router.add_get("/api/moderation/comments", moderation_api.comments, name="moderation_comments")
    router.add_post("/api/moderation/decide", moderation_api.decide, name="moderation_decide")
    router.add_post("/api/moderation/reply", moderation_api.reply, name="moderation_reply")
    router.add_get("/moderate/{token}", moderate.confirm, name="confirm")
    router.add_post("/moderate/{token}", moderate.act, name="act")
    router.add_get("/queue", queue.home, name="queue")
    router.add_post("/queue/login", signin.request_link, name="request_signin")
    router.add_get("/queue/login/{token}", signin.confirm, name="confirm_signin")
    router.add_post("/queue/login/{token}", signin.sign_in, name="sign_in")
    router.add_post("/queue/logout", signin.sign_out, name="sign_out")
    router.add_post("/queue/decide", queue.decide, name="decide")
    router.add_post("/queue/reply", queue.reply, name="reply")
    router.add_route("*", "/queue/{rest:.*}", queue.elsewhere, name="queue_elsewhere")
    router.add_get("/subscriptions/confirm/{token}", readers.confirm_form, name="confirm_subscription")
    router.add_post("/subscriptions/confirm/{token}", readers.confirm, name="subscribe")
    router.add_get("/unsubscribe/{token}", readers.unsubscribe_form, name="unsubscribe_form")
    router.add_post("/unsubscribe/{token}", readers.unsubscribe, name="unsubscribe")
    router.add_get("/mydata", my_data.ask_form, name="my_data")
    router.add_post("/mydata", my_data.ask, name="ask_my_data")
    router.add_get("/mydata/{token}", my_data.shown, name="my_data_link")
    router.add_post("/mydata/{token}/download", my_data.download, name="my_data_download")
    router.add_post("/mydata/{token}/erase", my_data.erase, name="my_data_erase")
    router.add_get("/mine/{token}", mine.show, name="mine")
    router.add_post("/mine/{token}", mine.act, name="mine_act")
    router.add_get("/healthz", health.healthz, name="healthz")
    router.add_get("/metrics", health.metrics, name="metrics")
