"""Serving the app on a TCP port, as web.run_app would, but with connections of our own: a request
too broken to reach the app (a 10 kB header, a line that is no HTTP) is answered like the app's
errors, with its headers and one sentence, and never with the request's bytes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from .app_keys import config_key, languages_key
from .middlewares import SENTENCES, page_headers

log = logging.getLogger(__name__)

KEEPALIVE = 75.0  # seconds an idle connection stays open: web.run_app's default
SHUTDOWN = 10.0  # on SIGTERM, what requests in flight may take to finish


class Connection(RequestHandler):
    """aiohttp's protocol, but its own error answers are the service's."""

    def __init__(self, manager: web.Server, *, headers: Mapping[str, str], sentences: Mapping[int, str]) -> None:
        super().__init__(manager, loop=asyncio.get_running_loop(), keepalive_timeout=KEEPALIVE)
        self.answer_headers = headers
        self.sentences = sentences

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:
            log.error("error outside the app for %s %s", request.method, request.path, exc_info=exc)
        else:  # what the internet sends to any port: noise, and its bytes may be anything
            log.debug("refused a broken request (%d, %s)", status, type(exc).__name__)
        if request.writer.output_size > 0:
            raise ConnectionError("an answer was on its way already: the connection is broken")
        text = self.sentences.get(status) or self.sentences[500 if status >= 500 else 400]
        response = web.Response(status=status, text=text, headers=self.answer_headers)
        response.force_close()
        return response


class Site(web.BaseSite):
    """A TCP port whose connections are Connections."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, *, reuse_port: bool = False) -> None:
        super().__init__(runner)
        self.host, self.port = host, port
        # Only a supervisor's workers share the port: a lone instance started twice must fail
        # on the port in use, not serve half the connections each.
        self.reuse_port = reuse_port
        app = runner.app
        language = app[languages_key].site
        self.headers = page_headers(app[config_key]) | {"Cache-Control": "no-store"}
        self.sentences = {status: language.gettext(sentence) for status, sentence in SENTENCES.items()}

    @property
    def name(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None  # set up before any site is made
        self._server = await asyncio.get_running_loop().create_server(
            lambda: Connection(server, headers=self.headers, sentences=self.sentences),
            self.host,
            self.port,
            reuse_address=True,
            reuse_port=self.reuse_port,
        )


async def serve(app: web.Application, host: str, port: int, *, parent: int | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then answer the requests in flight (SHUTDOWN seconds at
    most) and clean up.

    Not aiohttp's signal handling: its GracefulExit leaves the event loop, and asyncio.run then
    cancels every task, the requests being answered with them. `parent`: a worker's supervisor,
    whose end (killed with no chance to stop the workers) stops the worker too."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)  # a second signal while draining changes nothing
    runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN)
    try:
        await runner.setup()
        try:
            await Site(runner, host, port, reuse_port=parent is not None).start()
            await (stop.wait() if parent is None else outlive(parent, stop))
        finally:
            await runner.cleanup()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


ORPHAN_CHECK = 1.0  # seconds between a worker's looks at whether its supervisor is still there


async def outlive(parent: int, stop: asyncio.Event) -> None:
    """Return once `stop` is set, or once the process `parent` is gone."""
    while os.getppid() == parent:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), ORPHAN_CHECK)
            return
    log.warning("the supervisor (pid %d) is gone: this worker stops", parent)
