"""A challenge only when needed (MODERATION_CHALLENGE): GET /api/challenge, the 428 that asks for a
proof of work, solutions taken once and only before they expire, when `suspicious` asks, and the
plain form that is never refused for it. The real service, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.app_keys import store_key
from moderation.challenge import MAX_NUMBER, TTL
from moderation.config import Config
from moderation.models import CommentStatus
from moderation.retention import purge
from tests.conftest import SITE
from tests.db import records
from tests.factories import comment_data
from tests.moderators import Clock
from tests.smtp import SmtpSink, mails_for, text_of
from tests.test_classifier import PLAIN_SPAM, TAUGHT, as_json, teach
from tests.test_openapi import assert_documented, document
from tests.waiting import eventually


async def service(aiohttp_client, config: Config, clock: Clock, challenge: str, **settings: Any) -> TestClient:  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(config.replace(challenge=challenge, **settings), clock=clock))


# Tests take config before aiohttp_client: fixtures tear down in reverse, so the app stops before
# its database goes.


def solve(challenge: dict[str, Any]) -> str:
    """What a browser sends back: ALTCHA's payload, its number found by trying each in turn."""
    salt, target = challenge["salt"], challenge["challenge"]
    tries = range(challenge["maxnumber"] + 1)
    number = next(n for n in tries if hashlib.sha256(f"{salt}{n}".encode()).hexdigest() == target)
    return payload(challenge, number=number)


def payload(challenge: dict[str, Any], **fields: Any) -> str:
    solution = {name: challenge[name] for name in ("algorithm", "challenge", "salt", "signature")} | fields
    return base64.b64encode(json.dumps(solution).encode()).decode()


async def post(client: TestClient, altcha: str | None = None, **overrides: Any) -> ClientResponse:
    data = comment_data(**overrides) | ({"altcha": altcha} if altcha is not None else {})
    return await client.post("/api/comments", json=data)


async def asked(response: ClientResponse) -> dict[str, Any]:
    """The challenge of a 428, which every refusal for want of a solution carries."""
    assert response.status == 428, await response.text()
    answer = await response.json()
    assert set(answer) == {"error", "challenge"} and "challenge" in answer["error"]
    assert response.headers["Cache-Control"] == "no-store"
    return dict(answer["challenge"])


async def stored(config: Config) -> list[dict[str, Any]]:
    return await records(config, "SELECT id, status, holds FROM comments ORDER BY id")


async def test_api_challenge_is_an_altcha_challenge_that_expires_in_ten_minutes(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "suspicious")
    response = await client.get("/api/challenge", headers={"Origin": SITE})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == SITE  # the widget reads it from the site's page
    challenge = await response.json()
    assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256" and challenge["maxnumber"] == MAX_NUMBER
    assert len(challenge["challenge"]) == 64 and len(challenge["signature"]) == 64
    params = parse_qs(challenge["salt"].split("?", 1)[1])
    assert int(params["expires"][0]) == int(clock.now + TTL) and TTL == 600
    assert "counted" not in params  # only a 428's challenge spares its post a second count
    assert (await client.get("/api/challenge")).status == 200
    assert (await (await client.get("/api/challenge")).json())["salt"] != challenge["salt"]


async def test_always_a_post_without_solution_gets_428_then_its_solution_gets_202_once(
    config: Config,
    clock: Clock,
    smtpd: SmtpSink,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    challenge = await asked(await post(client))
    assert await stored(config) == []  # nothing is stored for a 428

    started = time.perf_counter()
    solution = solve(challenge)
    took = time.perf_counter() - started
    print(f"\nsolved a challenge of maxnumber {challenge['maxnumber']} with hashlib in {took:.3f} s")
    accepted = await post(client, solution)
    assert accepted.status == 202, await accepted.text()
    comment_id = (await accepted.json())["id"]
    assert await stored(config) == [{"id": comment_id, "status": CommentStatus.PENDING, "holds": "[]"}]
    await eventually(lambda: mails_for(smtpd.messages, comment_id), timeout=15.0)  # the moderators hear of it

    again = await post(client, solution)  # the same solution, with another comment
    assert (await asked(again))["challenge"] != challenge["challenge"]  # a fresh challenge
    assert len(await stored(config)) == 1


async def test_an_expired_or_tampered_or_garbled_solution_gets_428_and_never_a_500(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    challenge = await asked(await post(client))
    solution = solve(challenge)
    number = json.loads(base64.b64decode(solution))["number"]
    wrong = {**challenge, "salt": challenge["salt"].replace("expires=", "expires=9")}  # a later expiry, unsigned
    garbled: list[object] = [
        payload(challenge, number=number + 1),  # not the number
        payload({**challenge, "signature": "0" * 64}, number=number),  # not our signature
        payload(wrong, number=number),
        payload(challenge, number=str(number)),  # a number as text
        payload(challenge, number=True),
        payload({**challenge, "algorithm": "SHA-1"}, number=number),
        base64.b64encode(b'"algorithm challenge number salt signature"').decode(),  # JSON, not an object
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b"{").decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        "not base64 at all!",
        "",
        "A" * 5000,
        12345,
        None,
        ["a list"],
        {"an": "object"},
    ]
    for value in garbled:
        response = await client.post("/api/comments", json=comment_data(altcha=value))
        await asked(response)
    clock.advance(TTL + 1)
    await asked(await post(client, solution))  # right, but too late
    assert await stored(config) == []


async def test_two_posts_with_one_solution_at_once_store_one_comment(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    solution = solve(await asked(await post(client)))
    answers = await asyncio.gather(*(post(client, solution) for _ in range(5)))
    assert sorted(response.status for response in answers) == [202, 428, 428, 428, 428]
    assert len(await stored(config)) == 1


async def test_off_never_answers_428_whatever_the_post_carries(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "off", rate_limit="4/minute")
    await teach(client.app[store_key], TAUGHT)
    for altcha in (None, "garbage", None):
        response = await post(client, altcha, **as_json(PLAIN_SPAM) | {"body": f"{PLAIN_SPAM.body} {altcha}"})
        assert response.status == 202, await response.text()
    assert (await post(client)).status == 202
    assert (await post(client)).status == 429  # the rate limit is the rate limit


async def test_suspicious_near_the_rate_limit_asks_and_the_limit_still_allows_every_comment_it_did(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "suspicious", rate_limit="4/minute")
    assert (await post(client)).status == 202  # one of four used: not near
    for _ in range(3):  # from half the allowance on, each post needs a solution
        challenge = await asked(await post(client))
        assert "counted=1" in challenge["salt"]
        response = await post(client, solve(challenge))
        assert response.status == 202, await response.text()
    # Four comments, as the limit allows: the post that comes back solved is not counted twice.
    assert len(await stored(config)) == 4
    assert (await post(client)).status == 429
    # A solution of GET /api/challenge never spares a post its count.
    fetched = await (await client.get("/api/challenge")).json()
    assert (await post(client, solve(fetched))).status == 429
    assert len(await stored(config)) == 4


async def test_suspicious_with_a_cold_classifier_never_asks_a_trained_one_asks_for_likely_spam(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "suspicious")
    cold = await post(client, **as_json(PLAIN_SPAM))
    assert cold.status == 202  # too few decisions: the classifier is unsure, and asks nothing
    (row,) = await records(config, "SELECT spam_verdict FROM comments")
    assert row["spam_verdict"] == "unsure"

    await teach(client.app[store_key], TAUGHT)  # moderators' decisions, as the queue makes them
    spam = as_json(PLAIN_SPAM) | {"body": PLAIN_SPAM.body + " Order today."}
    challenge = await asked(await post(client, **spam))
    assert (await post(client, solve(challenge), **spam)).status == 202
    (scored,) = await records(config, "SELECT status, spam_verdict FROM comments ORDER BY id DESC LIMIT 1")
    assert scored == {"status": CommentStatus.PENDING, "spam_verdict": "likely_spam"}
    assert (await post(client)).status == 202  # a reader's ordinary comment is not asked


async def test_a_form_post_without_javascript_under_always_is_taken_and_held_with_no_challenge(
    config: Config,
    clock: Clock,
    smtpd: SmtpSink,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    response = await client.post("/api/comments", data=comment_data(return_to=f"{SITE}/a/"), allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith(f"{SITE}/a/?pending=")
    ((comment_id, status, holds),) = [tuple(row.values()) for row in await stored(config)]
    assert status == CommentStatus.PENDING  # for a moderator, not binned
    assert json.loads(holds) == [{"kind": "no_challenge", "detail": ""}]
    (mail, *_) = await eventually(lambda: mails_for(smtpd.messages, comment_id), timeout=15.0)
    assert "sent as a plain form, without the challenge a script would have had to solve" in text_of(mail)


async def test_the_428_speaks_the_pages_language(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    for lang, word in (("de", "Browser"), ("es", "navegador")):
        response = await post(client, lang=lang)
        assert response.status == 428
        assert word in (await response.json())["error"]


async def test_spent_solutions_are_forgotten_once_expired(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    for _ in range(2):
        assert (await post(client, solve(await asked(await post(client))))).status == 202
    assert len(await records(config, "SELECT challenge FROM spent_challenges")) == 2
    store = client.app[store_key]
    await purge(store, config.retention_days, clock)
    assert len(await records(config, "SELECT challenge FROM spent_challenges")) == 2  # not expired yet
    clock.advance(TTL + 1)
    await purge(store, config.retention_days, clock)
    assert await records(config, "SELECT challenge FROM spent_challenges") == []


async def test_the_challenge_and_the_428_are_as_openapi_json_says(
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    client = await service(aiohttp_client, config, clock, "always")
    doc = await document(client)
    await assert_documented(doc, "/api/challenge", "get", await client.get("/api/challenge"))
    refused = await post(client)
    await assert_documented(doc, "/api/comments", "post", refused)
    solved = await post(client, solve(await asked(refused)))
    await assert_documented(doc, "/api/comments", "post", solved)
    assert solved.status == 202
