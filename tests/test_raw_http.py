"""What a raw socket can send and no browser does, to a real server: a body sent slowly, a client
that leaves halfway, a request too broken for the app to see (a 10 kB header)."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from moderation.app import create_app
from moderation.config import Config
from moderation.openapi import openapi_document
from tests.conftest import PUBLIC_URL
from tests.service import generated_keys, running, service_env

BODY_TIMEOUT = 1.0
Serve = Callable[[], Awaitable[TestServer]]


@pytest.fixture
def serve(config: Config, aiohttp_server) -> Serve:  # type: ignore[no-untyped-def]
    async def start() -> TestServer:
        return await aiohttp_server(create_app(config.replace(body_timeout=BODY_TIMEOUT)))  # type: ignore[no-any-return]

    return start


def unfinished_post(path: str, content_type: str) -> bytes:
    """The head of a POST that announces 1,000 bytes of body, and 6 of them."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: 1000\r\n\r\n"
    return head.encode() + b"email="


def logged(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= level]


POSTS = [("/api/comments", "application/json"), ("/queue/login", "application/x-www-form-urlencoded")]


@pytest.mark.parametrize("path, content_type", POSTS)
async def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closes(
    serve: Serve, caplog: pytest.LogCaptureFixture, path: str, content_type: str
) -> None:
    server = await serve()
    caplog.clear()
    reader, writer = await asyncio.open_connection(server.host, server.port)
    started = time.monotonic()
    writer.write(unfinished_post(path, content_type))
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10 * BODY_TIMEOUT)  # read() returns at the close
    waited = time.monotonic() - started
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"Connection: close" in answer and b"X-Content-Type-Options: nosniff" in answer
    if content_type == "application/json":  # the API's answer is JSON, and documented
        assert answer.endswith(b'{"error": "The request took too long to arrive."}'), answer
        assert "408" in openapi_document(PUBLIC_URL)["paths"][path]["post"]["responses"]
    else:
        assert b"The request took too long to arrive." in answer
    assert BODY_TIMEOUT <= waited < BODY_TIMEOUT + 2, waited  # closed then, not after a lingering read
    assert logged(caplog, logging.WARNING) == []


def leave(writer: asyncio.StreamWriter, how: str) -> None:
    if how == "reset":  # SO_LINGER 0: the close sends RST, as a client that crashes does
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    elif how == "half-close":  # no more bytes will come, but the answer could still be read
        writer.write_eof()
    else:
        writer.close()


async def test_a_client_that_leaves_halfway_through_its_body_is_no_error_in_the_log(tmp_path: Path) -> None:
    # A real process: the test server cancels handlers of a client that left, the service does not.
    keys = generated_keys()
    env = service_env(tmp_path, SMTP_HOST=None, SMTP_TLS=None, DATA_KEYS=keys["DATA_KEYS"], INDEX_KEY=keys["INDEX_KEY"])
    async with running(env, tmp_path) as service:
        for path, content_type in POSTS:
            for how in ("close", "reset", "half-close"):
                _, writer = await asyncio.open_connection("127.0.0.1", service.port)
                writer.write(unfinished_post(path, content_type))
                await writer.drain()
                await asyncio.sleep(0.5)  # the view is waiting for the rest of the body
                leave(writer, how)
                await asyncio.sleep(0.3)
                writer.close()
        async with aiohttp.ClientSession() as session, session.get(service.url + "/healthz") as response:
            assert response.status == 200
        assert await service.terminate() == 0
    log = service.stderr
    assert " ERROR " not in log and " WARNING " not in log and "Traceback" not in log, log


async def raw_exchange(port: int, request: bytes) -> bytes:
    """Send bytes, read the whole answer (up to the server's close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()


def head_of(answer: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {name.lower(): value for name, _, value in (line.partition(": ") for line in lines)}, body


MARKER = "x-marker-7c1f"
BROKEN = {
    "a 10 kB header line": f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {MARKER}{'a' * 10_000}\r\n\r\n",
    "a 10 kB request line": f"GET /{MARKER}{'a' * 10_000} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "a header without a colon": f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n{MARKER}<script>\r\n\r\n",
    "a broken chunked body": (
        "POST /api/comments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\n\r\nzz{MARKER}\r\n"
    ),
}


async def test_requests_too_broken_for_the_app_get_its_headers_a_sentence_and_no_echo(tmp_path: Path) -> None:
    keys = generated_keys()
    env = service_env(tmp_path, SMTP_HOST=None, SMTP_TLS=None, DATA_KEYS=keys["DATA_KEYS"], INDEX_KEY=keys["INDEX_KEY"])
    async with running(env, tmp_path) as service:
        for what, request in BROKEN.items():
            status, headers, body = head_of(await raw_exchange(service.port, request.encode()))
            assert status.split()[1] == "400", (what, status)
            assert MARKER.encode() not in body and b"<script>" not in body, (what, body)
            assert body.decode().strip() == "The request could not be understood.", (what, body)
            assert headers["x-content-type-options"] == "nosniff", what
            assert headers["x-frame-options"] == "DENY", what
            assert headers["content-security-policy"].startswith("default-src 'none'"), what
            assert headers["server"] == "moderation", what
        async with aiohttp.ClientSession() as session, session.get(service.url + "/healthz") as response:
            assert response.headers["Server"] == "moderation"  # no version, on the app's answers too
        assert await service.terminate() == 0
    assert " ERROR " not in service.stderr and "Traceback" not in service.stderr, service.stderr
