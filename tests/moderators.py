"""A moderator in tests: asks for a sign-in link, follows it from the mail, and uses the queue.

The test client keeps no cookies of its own (DummyCookieJar): each request carries exactly the
session cookie the test gives it, so that "without a session" means without one.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.config import Config
from tests.conftest import MODERATORS
from tests.smtp import SmtpSink, text_of
from tests.waiting import eventually


class Clock:
    """The service's clock, moved by the test: sessions and links expire without waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def service(config: Config, clock: Clock, aiohttp_client) -> TestClient:  # type: ignore[no-untyped-def]
    """The whole app on the injected clock, reached by a client that keeps no cookies."""
    return await aiohttp_client(create_app(config, clock=clock), cookie_jar=aiohttp.DummyCookieJar())


def signin_mails(messages: Sequence[EmailMessage], to: str | None = None) -> list[EmailMessage]:
    return [
        m
        for m in messages
        if str(m["Message-ID"]).startswith("<sign_in-") and (to is None or str(m["To"]).lower() == to.lower())
    ]


def signin_url(message: EmailMessage) -> str:
    found = re.search(r"^Sign in: (\S+)\r?$", text_of(message), re.MULTILINE)
    assert found, "no sign-in link in the mail"
    return found.group(1)


def signin_path(message: EmailMessage) -> str:
    return urlsplit(signin_url(message)).path


async def ask_for_link(client: TestClient, smtpd: SmtpSink, address: str) -> EmailMessage:
    """Ask for a sign-in link and wait for its mail."""
    before = len(signin_mails(smtpd.messages, address))
    response = await client.post("/queue/login", data={"email": address})
    assert response.status == 200, await response.text()
    mails = await eventually(lambda: signin_mails(smtpd.messages, address)[before:], timeout=15.0)
    return mails[-1]


def session_cookie(response: ClientResponse) -> str:
    """The cookie a response sets, as a request's Cookie header carries it back."""
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    ((name, morsel),) = cookie.items()
    return f"{name}={morsel.value}"


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Moderator:
    client: TestClient
    address: str
    cookie: str  # name=value

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Cookie": self.cookie, **extra}

    async def get(self, path: str) -> ClientResponse:
        return await self.client.get(path, headers=self.headers(), allow_redirects=False)

    async def post(self, path: str, data: Any, **headers: str) -> ClientResponse:
        return await self.client.post(path, data=data, headers=self.headers(**headers), allow_redirects=False)

    async def page(self, path: str = "/queue") -> str:
        response = await self.get(path)
        assert response.status == 200, await response.text()
        return await response.text()

    async def csrf(self) -> str:
        found = CSRF.search(await self.page())
        assert found, "no csrf field on the queue"
        return found.group(1)

    async def decide(self, action: str, ids: Sequence[int], *, reason: str | None = None, **fields: str) -> str:
        """Press a button of the queue; the page it leads back to."""
        data = [("csrf", await self.csrf()), ("action", action), *(("id", str(i)) for i in ids)]
        data += [("reason", reason)] if reason is not None else []
        data += list(fields.items())
        response = await self.post("/queue/decide", data)
        assert response.status == 303, await response.text()
        return await self.page(response.headers["Location"])


async def sign_in(client: TestClient, smtpd: SmtpSink, address: str = MODERATORS[0]) -> Moderator:
    """The whole way in: ask for a link, open it from the mail, press Sign in."""
    mail = await ask_for_link(client, smtpd, address)
    response = await client.post(signin_path(mail), allow_redirects=False)
    assert response.status == 303, await response.text()
    return Moderator(client, address, session_cookie(response))


class _Rows(HTMLParser):
    """The text of each comment in the queue (li.queue-item), as a reader of the page sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, str] = {}
        self._current: int | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "li" and "queue-item" in (found.get("class") or "").split():
            self._current = int(str(found["id"]).removeprefix("comment-"))
            self.rows[self._current] = ""
            self._depth = 0
        elif self._current is not None and tag == "li":
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._current is not None and tag == "li":
            if self._depth == 0:
                self._current = None
            else:
                self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.rows[self._current] += data


def queue_rows(page: str) -> dict[int, str]:
    """Each listed comment's id and its visible text (whitespace squeezed), in page order."""
    parser = _Rows()
    parser.feed(page)
    return {id_: " ".join(text.split()) for id_, text in parser.rows.items()}


def outcome(page: str) -> str:
    """What the page says the last decision did (the role=status region), as text."""
    found = re.search(r'<div class="outcome" role="status">(.*?)</div>', page, re.DOTALL)
    assert found, "the page says nothing about a decision"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())
