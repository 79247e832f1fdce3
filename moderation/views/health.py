"""Operations: is it up, how much mail and how many webhooks are waiting, Prometheus metrics."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ..app_keys import metrics_key, store_key
from ..errors import StoreUnavailable


async def healthz(request: web.Request) -> web.Response:
    store = request.app[store_key]
    try:
        await store.ping()
        backlog = await store.mail.backlog()
        webhooks = await store.webhooks.backlog()
    except StoreUnavailable:
        return web.json_response({"status": "unavailable", "error": "The database cannot be reached."}, status=503)
    return web.json_response({"status": "ok", "outbox": asdict(backlog), "webhooks": asdict(webhooks)})


async def metrics(request: web.Request) -> web.Response:
    store = request.app[store_key]
    body = request.app[metrics_key].render(await store.mail.backlog(), await store.webhooks.backlog())
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
