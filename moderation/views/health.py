"""Operations: is it up, how much mail is waiting, Prometheus metrics."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from ..errors import StoreUnavailable
from ..keys import metrics_key, store_key


async def healthz(request: web.Request) -> web.Response:
    store = request.app[store_key]
    try:
        await store.ping()
        backlog = await store.backlog()
    except StoreUnavailable:
        return web.json_response({"status": "unavailable", "error": "The database cannot be reached."}, status=503)
    return web.json_response({"status": "ok", "outbox": asdict(backlog)})


async def metrics(request: web.Request) -> web.Response:
    backlog = await request.app[store_key].backlog()
    return web.Response(body=request.app[metrics_key].render(backlog), headers={"Content-Type": CONTENT_TYPE_LATEST})
