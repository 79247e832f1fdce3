"""Signing in to the queue by an emailed link: same answer for everyone, single-use links,
sessions kept on the server that end when idle, when old, at sign-out, or when the address
leaves the configuration."""

from __future__ import annotations

import asyncio
import re
from http.cookies import SimpleCookie

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.app_keys import after_answer_tasks_key
from moderation.config import Config
from tests import db
from tests.conftest import MODERATORS, PUBLIC_URL
from tests.moderators import (
    Clock,
    Moderator,
    ask_for_link,
    session_cookie,
    sign_in,
    signin_mails,
    signin_path,
    signin_url,
)
from tests.smtp import SmtpSink
from tests.waiting import eventually

ALICE, BOB = MODERATORS
SIGN_IN_PAGE = "Sign in to moderate comments"
ON_ITS_WAY = "a sign-in link is on its way"


def without(page: str, address: str) -> str:
    """The page with the address it echoes taken out: what is left must not depend on it."""
    return page.replace(address, "ADDRESS")


async def test_unknown_and_listed_addresses_get_the_same_answer_and_only_a_moderator_gets_mail(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    answers = {}
    for address in ("mallory@example.com", ALICE.upper(), "bob@clinic.example.evil.com"):
        response = await service.post("/queue/login", data={"email": address})
        answers[address] = (response.status, without(await response.text(), address))
    assert len(set(answers.values())) == 1, "the answer tells a moderator's address from another"
    status, page = answers["mallory@example.com"]
    assert status == 200 and f"If <strong>ADDRESS</strong> moderates here, {ON_ITS_WAY}" in page

    (mail,) = await smtpd.wait_for(1)  # the address is matched whatever its case; mailed as configured
    assert str(mail["To"]) == ALICE
    assert signin_url(mail).startswith(f"{PUBLIC_URL}/queue/login/")
    await ask_for_link(service, smtpd, BOB)  # a later mail: the earlier requests are all done by now
    assert [str(m["To"]) for m in signin_mails(smtpd.messages)] == [ALICE, BOB]


async def test_a_link_opened_twice_consumes_nothing_and_its_post_works_once_then_410(
    service: TestClient, smtpd: SmtpSink
) -> None:
    path = signin_path(await ask_for_link(service, smtpd, ALICE))
    for _ in range(2):  # mail scanners open links, sometimes more than once
        response = await service.get(path)
        assert response.status == 200
        page = await response.text()
        assert f"Sign in as {ALICE}?" in page and page.count('<form method="post">') == 1

    signed_in = await service.post(path, allow_redirects=False)
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/queue"
    cookie = session_cookie(signed_in)
    queue = await service.get("/queue", headers={"Cookie": cookie})
    assert f"Signed in as <strong>{ALICE}</strong>" in await queue.text()

    for method in ("POST", "GET"):
        again = await service.request(method, path, allow_redirects=False)
        assert again.status == 410 and "Set-Cookie" not in again.headers
        page = await again.text()
        assert "This sign-in link was used already." in page
        assert 'action="/queue/login"' in page, "no way to ask for a new link"


async def test_two_posts_of_one_link_at_once_sign_in_once(service: TestClient, smtpd: SmtpSink) -> None:
    path = signin_path(await ask_for_link(service, smtpd, ALICE))
    answers = await asyncio.gather(*(service.post(path, allow_redirects=False) for _ in range(2)))
    assert sorted(answer.status for answer in answers) == [303, 410]
    assert sum("Set-Cookie" in answer.headers for answer in answers) == 1


async def test_an_expired_link_answers_410_to_get_and_post_and_offers_a_new_one(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    path = signin_path(await ask_for_link(service, smtpd, ALICE))
    clock.advance(15 * 60 + 1)
    for method in ("GET", "POST"):
        response = await service.request(method, path, allow_redirects=False)
        assert response.status == 410 and "Set-Cookie" not in response.headers
        page = await response.text()
        assert "This sign-in link has expired." in page and 'action="/queue/login"' in page


async def test_a_forged_or_altered_link_answers_403(service: TestClient, smtpd: SmtpSink) -> None:
    path = signin_path(await ask_for_link(service, smtpd, ALICE))
    for forged in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"), "/queue/login/not-a-token"):
        for method in ("GET", "POST"):
            response = await service.request(method, forged, allow_redirects=False)
            assert response.status == 403 and "Set-Cookie" not in response.headers
    assert (await service.post(path, allow_redirects=False)).status == 303  # the real one is untouched


@pytest.mark.parametrize(
    "public_url, name, secure",
    [("http://comments.clinic.example", "moderation", False), (PUBLIC_URL, "__Host-moderation", True)],
)
async def test_the_session_cookie_is_httponly_lax_path_root_and_secure_with_host_prefix_under_https(
    config: Config, smtpd: SmtpSink, aiohttp_client, public_url: str, name: str, secure: bool
) -> None:  # type: ignore[no-untyped-def]
    app = create_app(config.replace(public_url=public_url))
    client = await aiohttp_client(app, cookie_jar=aiohttp.DummyCookieJar())
    response = await client.post(signin_path(await ask_for_link(client, smtpd, ALICE)), allow_redirects=False)
    header = response.headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert attributes == {"httponly", "path", "samesite"} | ({"secure"} if secure else set())
    (morsel,) = SimpleCookie(header).values()
    assert morsel.key == name and morsel["path"] == "/" and morsel["samesite"] == "Lax"
    assert len(morsel.value) >= 40  # a random value, and nothing else
    assert ALICE not in header


async def test_neither_the_link_nor_the_cookie_is_kept_in_clear(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    mail = await ask_for_link(service, smtpd, ALICE)
    token = signin_path(mail).rsplit("/", 1)[1]
    response = await service.post(signin_path(mail), allow_redirects=False)
    cookie_value = session_cookie(response).split("=", 1)[1]
    for table in ("signin_links", "moderator_sessions", "outbox"):
        for row in await db.records(config, f"SELECT * FROM {table}"):
            kept = " ".join(str(value) for value in row.values())
            assert token not in kept and cookie_value not in kept, f"a secret in {table}"


async def test_sessions_end_after_two_hours_idle(service: TestClient, smtpd: SmtpSink, clock: Clock) -> None:
    alice = await sign_in(service, smtpd, ALICE)
    for _ in range(3):  # in use, it lasts
        clock.advance(2 * 3600 - 60)
        assert "Moderation queue" in await alice.page()
    clock.advance(2 * 3600 + 1)
    assert SIGN_IN_PAGE in await alice.page()


async def test_sessions_end_twelve_hours_after_signing_in_however_busy(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    alice = await sign_in(service, smtpd, ALICE)
    started = clock.now
    while clock.now + 5400 < started + 12 * 3600:
        clock.advance(5400)  # every hour and a half: never idle for long
        assert "Moderation queue" in await alice.page()
    clock.advance(5400)
    assert SIGN_IN_PAGE in await alice.page()


async def test_signing_out_ends_the_session_on_the_server(service: TestClient, smtpd: SmtpSink) -> None:
    alice = await sign_in(service, smtpd, ALICE)
    refused = await alice.post("/queue/logout", {})
    assert refused.status == 403  # without the csrf token
    assert "Moderation queue" in await alice.page()

    response = await alice.post("/queue/logout", {"csrf": await alice.csrf()})
    assert response.status == 303 and response.headers["Location"] == "/queue"
    (cleared,) = SimpleCookie(response.headers["Set-Cookie"]).values()
    assert cleared.value == "" and cleared["max-age"] == "0"
    assert SIGN_IN_PAGE in await alice.page()  # the old cookie, sent anyway, opens nothing


async def test_an_address_removed_from_the_configuration_loses_access_at_its_next_request(
    smtpd: SmtpSink, config: Config, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    before = await aiohttp_client(create_app(config), cookie_jar=aiohttp.DummyCookieJar())
    alice = await sign_in(before, smtpd, ALICE)
    bob = await sign_in(before, smtpd, BOB)
    # The service restarts with Alice taken off the list; the sessions are in the database.
    after = await aiohttp_client(create_app(config.replace(moderators=(BOB,))), cookie_jar=aiohttp.DummyCookieJar())
    alice, bob = Moderator(after, ALICE, alice.cookie), Moderator(after, BOB, bob.cookie)
    assert SIGN_IN_PAGE in await alice.page()
    assert (await alice.post("/queue/decide", {"action": "approve", "id": "1"})).status == 303
    assert f"Signed in as <strong>{BOB}</strong>" in await bob.page()


async def test_without_a_session_every_queue_address_leads_to_the_sign_in_page(service: TestClient) -> None:
    page = await service.get("/queue")
    assert page.status == 200 and SIGN_IN_PAGE in await page.text()
    assert re.search(r'<form method="post" action="/queue/login"', await page.text())
    assert 'name="email"' in await page.text()
    for method, path in [
        ("POST", "/queue/decide"),
        ("POST", "/queue/reply"),
        ("POST", "/queue/logout"),
        ("GET", "/queue/decide"),
        ("GET", "/queue/settings"),
        ("GET", "/queue/"),
    ]:
        response = await service.request(method, path, data={"action": "approve", "id": "1"}, allow_redirects=False)
        assert (response.status, response.headers.get("Location")) == (303, "/queue"), f"{method} {path}"


async def test_posts_from_another_origin_are_refused_and_use_up_nothing(service: TestClient, smtpd: SmtpSink) -> None:
    path = signin_path(await ask_for_link(service, smtpd, ALICE))
    foreign = {"Origin": "https://evil.example"}
    assert (await service.post(path, headers=foreign, allow_redirects=False)).status == 403
    assert (await service.post("/queue/login", data={"email": BOB}, headers=foreign)).status == 403
    same_site = {"Origin": PUBLIC_URL}
    assert (await service.post(path, headers=same_site, allow_redirects=False)).status == 303


async def test_sign_in_requests_are_limited_per_address_and_per_client_without_telling(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    pages = set()
    for _ in range(4):
        response = await service.post("/queue/login", data={"email": ALICE})
        pages.add((response.status, await response.text()))
    assert len(pages) == 1, "the fourth answer differs from the first"
    # Each request is handled after its answer; Bob's mail comes after Alice's once they are.
    await eventually(lambda: not service.app[after_answer_tasks_key])
    await ask_for_link(service, smtpd, BOB)
    assert len(signin_mails(smtpd.messages, ALICE)) == 3

    for number in range(5):  # this client has asked 10 times in the hour now
        await service.post("/queue/login", data={"email": f"someone{number}@example.com"})
    response = await service.post("/queue/login", data={"email": BOB})
    assert response.status == 200 and ON_ITS_WAY in await response.text()
    await eventually(lambda: not service.app[after_answer_tasks_key])  # judged before the hour passes
    clock.advance(3600)
    await ask_for_link(service, smtpd, BOB)
    assert len(signin_mails(smtpd.messages, BOB)) == 2, "a request over the client's limit was mailed"


async def test_an_empty_address_is_asked_for_again(service: TestClient) -> None:
    response = await service.post("/queue/login", data={"email": "  "})
    assert response.status == 422
    assert "Enter your email address." in await response.text()
