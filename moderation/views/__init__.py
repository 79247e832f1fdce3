"""The whole route table, every route named."""

from aiohttp import web

from . import comments, embed, health, moderate, pages, queue, readers, signin


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
    router.add_get("/api/openapi.json", comments.openapi, name="openapi")
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
    router.add_get("/healthz", health.healthz, name="healthz")
    router.add_get("/metrics", health.metrics, name="metrics")
