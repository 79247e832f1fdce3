"""The moderation API for scripts: the queue's listing and decisions behind a bearer token, on
SQLite and PostgreSQL, and `moderation tokens` as an operator runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from moderation.app_keys import store_key
from moderation.classifier.model import Assessment, Verdict
from moderation.config import Config
from moderation.holds import Hold, HoldKind
from moderation.models import Action, Channel, CommentStatus, NewComment
from tests import db
from tests.conftest import MODERATORS, SITE, TEST_DATA_KEYS, TEST_INDEX_KEY
from tests.factories import HOLDS, comment_data, email_link, held_comment, submit
from tests.moderators import Clock, queue_rows, sign_in
from tests.service import run_command, service_env
from tests.smtp import SmtpSink
from tests.test_openapi import assert_documented, document

BOT = "triage-bot"
KEYS = {"id", "thread", "title", "name", "email", "website", "body", "body_html", "created", "status"}
KEYS |= {"score", "verdict", "reasons", "holds", "last_decision", "edited"}
COMMENTS, DECIDE = "/api/moderation/comments", "/api/moderation/decide"


async def new_token(client: TestClient, name: str = BOT) -> str:
    return await client.app[store_key].api_tokens.create(name)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def listing(client: TestClient, token: str, **params: str) -> dict[str, Any]:
    response = await client.get(COMMENTS, params=params, headers=bearer(token))
    assert response.status == 200, await response.text()
    await assert_documented(await document(client), COMMENTS, "get", response)
    return dict(await response.json())


async def decide(client: TestClient, token: str, body: dict[str, Any]) -> dict[int, str]:
    response = await client.post(DECIDE, json=body, headers=bearer(token))
    assert response.status == 200, await response.text()
    await assert_documented(await document(client), DECIDE, "post", response)
    return {result["id"]: result["outcome"] for result in (await response.json())["results"]}


async def audit(config: Config, comment_id: int) -> list[tuple[Any, ...]]:
    return await db.query(
        config,
        "SELECT a.to_status, a.actor, a.channel, r.reason FROM audit_log a"
        " LEFT JOIN audit_reasons r ON r.entry_id = a.id WHERE a.comment_id = ? ORDER BY a.id",
        comment_id,
    )


async def test_pending_comments_are_listed_oldest_first_with_what_a_moderator_needs(
    service: TestClient, clock: Clock
) -> None:
    token = await new_token(service)
    first = await submit(service, name="Ana First", email="Ana@Example.com", website="https://ana.example/")
    clock.advance(60)
    second = await submit(service, name="Ben Second", body="Does the *first* session hurt?")

    page = await listing(service, token)
    assert [comment["id"] for comment in page["comments"]] == [first, second] and page["next"] is None
    ana, ben = page["comments"]
    assert set(ana) == KEYS
    assert (ana["name"], ana["email"], ana["website"], ana["status"]) == (
        "Ana First",
        "Ana@example.com",  # opened by the sealer, as the queue shows it (validation lowers the domain)
        "https://ana.example/",
        "pending",
    )
    assert ana["thread"] == comment_data()["thread"] and ana["title"] == comment_data()["title"]
    assert ben["body"] == "Does the *first* session hurt?" and "<em>first</em>" in ben["body_html"]
    # A model that has learned nothing yet scores every comment the same, and names nothing.
    assert (ana["score"], ana["verdict"], ana["reasons"], ana["holds"]) == (0.5, "unsure", [], [])
    assert ana["last_decision"] == {
        "from": None,
        "to": "pending",
        "actor": "system",
        "channel": "submission",
        "reason": None,
        "at": ana["created"],
    }


async def test_every_hold_is_listed_as_its_kind_and_detail(service: TestClient) -> None:
    token = await new_token(service)
    store = service.app[store_key]
    held = (await store.comments.submit(held_comment(tuple(HOLDS)))).id
    binned = (
        await store.comments.submit(held_comment((Hold(HoldKind.LINK_DOMAIN, "pills.example"),), CommentStatus.SPAM))
    ).id

    (pending,) = (await listing(service, token))["comments"]  # listing() checks it against openapi.json
    assert pending["id"] == held
    assert pending["holds"] == [
        {"kind": "honeypot", "detail": ""},
        {"kind": "form_stamp", "detail": ""},
        {"kind": "too_fast", "detail": "1"},
        {"kind": "form_age", "detail": "5"},
        {"kind": "duplicate", "detail": ""},
        {"kind": "links", "detail": "5"},
        {"kind": "spam_words", "detail": "casino"},
        {"kind": "hold_words", "detail": "dosage"},
        {"kind": "link_domain", "detail": "pills.example"},
        {"kind": "classifier", "detail": "0.9931"},
        {"kind": "check", "detail": "contains 'dosage'"},
    ]
    (spam,) = (await listing(service, token, status="spam"))["comments"]
    assert (spam["id"], spam["holds"]) == (binned, [{"kind": "link_domain", "detail": "pills.example"}])


async def test_pages_go_on_after_the_last_comment_shown_whatever_is_decided_meanwhile(
    service: TestClient, clock: Clock
) -> None:
    token = await new_token(service)
    ids = []
    for n in range(5):
        ids.append(await submit(service, name=f"Reader {n}"))
        clock.advance(1)
    first = await listing(service, token, limit="2")
    assert [c["id"] for c in first["comments"]] == ids[:2] and first["next"]
    await decide(service, token, {"action": "approve", "ids": ids[:3]})  # the next page's first one too
    second = await listing(service, token, limit="2", after=first["next"])
    assert [c["id"] for c in second["comments"]] == ids[3:] and second["next"] is None
    # The other tabs list the latest first, as the queue does.
    approved = await listing(service, token, status="approved")
    assert [c["id"] for c in approved["comments"]] == ids[2::-1]
    assert approved["comments"][0]["last_decision"]["channel"] == "api"


async def test_a_decision_says_what_it_did_to_each_and_is_logged_as_the_tokens(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    token = await new_token(service)
    approve, rejected, spam = [await submit(service, name=f"Reader {n}") for n in range(3)]
    assert (await service.post(await email_link(smtpd, rejected, "reject", MODERATORS[1]))).status == 200

    reason = "Answers the question well"
    outcomes = await decide(service, token, {"action": "approve", "ids": [approve, rejected, 99999], "reason": reason})
    assert outcomes == {approve: "approved", rejected: "already_rejected", 99999: "not_found"}
    assert await audit(config, approve) == [("pending", "system", "submission", None), ("approved", BOT, "api", reason)]
    assert len(await audit(config, rejected)) == 2  # decided before: nothing more
    public = await (await service.get("/api/comments", params={"thread": comment_data()["thread"]})).json()
    assert [c["id"] for c in public["comments"]] == [approve]

    assert await decide(service, token, {"action": "spam", "ids": [spam]}) == {spam: "spam"}
    assert await decide(service, token, {"action": "restore", "ids": [spam, rejected]}) == {
        spam: "restored",
        rejected: "restored",
    }
    assert await decide(service, token, {"action": "restore", "ids": [spam]}) == {spam: "already_pending"}
    assert await audit(config, spam) == [
        ("pending", "system", "submission", None),
        ("spam", BOT, "api", None),
        ("pending", BOT, "api", None),
    ]
    assert 'moderation_decisions_total{action="approve"} 1.0' in await (await service.get("/metrics")).text()
    # The queue shows who decided, through what: the other door to the same log.
    alice = await sign_in(service, smtpd, MODERATORS[0])
    row = queue_rows(await alice.page("/queue"))[spam]
    assert f"Restored to pending by {BOT} through the moderation API" in row


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer é"])
async def test_a_missing_or_wrong_token_is_a_401_json_that_changes_nothing(
    service: TestClient, config: Config, authorization: str | None
) -> None:
    comment_id = await submit(service)
    await new_token(service)
    headers = {"Authorization": authorization} if authorization is not None else {}
    doc = await document(service)
    for path, method, request in [
        (COMMENTS, "get", service.get(COMMENTS, headers=headers)),
        (DECIDE, "post", service.post(DECIDE, json={"action": "approve", "ids": [comment_id]}, headers=headers)),
    ]:
        response = await request
        assert response.status == 401 and response.headers["WWW-Authenticate"] == "Bearer"
        assert "valid token of the moderation API" in (await response.json())["error"]
        await assert_documented(doc, path, method, response)
    assert await db.query(config, "SELECT status FROM comments") == [("pending",)]


async def test_a_revoked_token_is_refused_at_once_and_a_new_one_by_that_name_works(service: TestClient) -> None:
    await submit(service)
    token = await new_token(service)
    assert len((await listing(service, token))["comments"]) == 1
    await service.app[store_key].api_tokens.revoke(BOT)
    assert (await service.get(COMMENTS, headers=bearer(token))).status == 401
    assert (await service.post(DECIDE, json={"action": "approve", "ids": [1]}, headers=bearer(token))).status == 401
    again = await new_token(service)
    assert again != token and len((await listing(service, again))["comments"]) == 1


async def test_search_finds_an_address_by_its_index_words_in_name_and_body_and_a_thread(
    service: TestClient, config: Config
) -> None:
    token = await new_token(service)
    ana = await submit(service, name="Ana", email="ana.patient@example.com", body="Is 50% of the dose enough?")
    ana_elsewhere = await submit(service, name="Ana", email="ANA.patient@example.com", thread="/other/")
    ben = await submit(service, name="Ben Ketamine", email="ben@example.com", body="Thank you.")
    # The addresses are sealed: a search cannot read them, it compares their blind index.
    stored = await db.query(config, "SELECT email FROM comments")
    assert all("example.com" not in row[0] for row in stored)

    async def found(q: str) -> list[int]:
        return [c["id"] for c in (await listing(service, token, q=q))["comments"]]

    assert await found("email:Ana.Patient@example.com") == [ana, ana_elsewhere]
    assert await found("email:ana.patient@example.com thread:/other/") == [ana_elsewhere]
    assert await found("email:nobody@example.com") == []
    assert await found("KETAMINE") == [ben]  # in the name, any case
    assert await found("50% dose") == [ana]  # every word, in the body; % is a character, not a wildcard
    assert await found("5_%") == []
    assert await found("thank ben") == [ben]


async def test_the_listing_sorts_by_score_and_lists_unanswered_questions_as_the_queue_does(
    service: TestClient,
) -> None:
    token = await new_token(service)
    store = service.app[store_key]
    scores = [0.95, None, 0.02, 0.5, 0.95]
    ids = []
    for n, score in enumerate(scores):
        found = Assessment(score, Verdict.UNSURE) if score is not None else None
        new = NewComment(
            "/p/", "", f"R{n}", f"r{n}@example.com", "", f"Is {n} enough?", "<p>?</p>", "a", assessment=found
        )
        ids.append((await store.comments.submit(new)).id)

    async def every(**params: str) -> list[int]:
        found: list[int] = []
        while True:
            page = await listing(service, token, limit="2", **params)
            found += [c["id"] for c in page["comments"]]
            if not page["next"]:
                return found
            params["after"] = page["next"]

    assert await every(sort="likely_spam") == [ids[0], ids[4], ids[3], ids[2], ids[1]]
    assert await every(sort="likely_ok") == [ids[2], ids[3], ids[0], ids[4], ids[1]]
    await store.comments.decide(ids[:3], Action.APPROVE, actor="cli", channel=Channel.CLI)
    assert await every(filter="unanswered") == [ids[2], ids[1], ids[0]]


async def test_the_api_sends_no_cors_headers_and_no_cache_keeps_its_answers(service: TestClient) -> None:
    token = await new_token(service)
    headers = {"Origin": SITE, **bearer(token)}
    answers = [
        await service.get(COMMENTS, headers=headers),
        await service.post(DECIDE, json={"action": "approve", "ids": []}, headers=headers),
        await service.get(COMMENTS, headers={"Origin": SITE}),
        await service.options(DECIDE, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}),
        await service.get("/api/moderation/nothing", headers=headers),
    ]
    assert [response.status for response in answers] == [200, 200, 401, 405, 404]
    for response in answers:
        assert not any(name.startswith("Access-Control-") for name in response.headers), response.headers
        assert response.headers["Cache-Control"] == "no-store"
        assert response.content_type == "application/json"


BAD_LISTINGS = [
    {"status": "everything"},
    {"limit": "0"},
    {"limit": "101"},
    {"limit": "ten"},
    {"after": "yesterday"},
    {"after": f"1.0:{2**63}"},
    {"q": "x" * 201},
    {"q": "a\x00b"},
    {"sort": "newest"},
    {"filter": "unread"},
    {"filter": "unanswered", "status": "pending"},
    {"sort": "likely_spam", "after": "1.0:3"},  # a cursor of another order
]
BAD_DECISIONS: list[tuple[object, int]] = [
    ({"action": "publish", "ids": [1]}, 422),
    ({"action": "approve"}, 422),
    ({"action": "approve", "ids": "1"}, 422),
    ({"action": "approve", "ids": [True]}, 422),
    ({"action": "approve", "ids": [1.5]}, 422),
    ({"action": "approve", "ids": [0]}, 422),
    ({"action": "approve", "ids": [2**63]}, 422),
    ({"action": "approve", "ids": list(range(1, 102))}, 422),
    ({"action": "approve", "ids": [1], "reason": "x" * 501}, 422),
    ({"action": "approve", "ids": [1], "reason": 5}, 422),
    ({"action": "approve", "ids": [1], "reason": "a\x00b"}, 422),
    ({"action": "approve", "ids": [1], "reason": "\ud800"}, 422),
    (["approve", 1], 400),
]


async def test_bad_input_is_a_clear_400_or_422_in_json_that_changes_nothing(
    service: TestClient, config: Config
) -> None:
    comment_id = await submit(service)
    token = await new_token(service)
    doc = await document(service)
    for params in BAD_LISTINGS:
        response = await service.get(COMMENTS, params=params, headers=bearer(token))
        assert response.status == 400, params
        assert (await response.json())["error"], params
        await assert_documented(doc, COMMENTS, "get", response)
    raw = [(b"{", "application/json"), (b"action=approve&ids=1", "application/x-www-form-urlencoded"), (b"x", "")]
    for body, content_type in raw:
        response = await service.post(DECIDE, data=body, headers={"Content-Type": content_type, **bearer(token)})
        assert response.status == 400 and "JSON object" in (await response.json())["error"], body
        await assert_documented(doc, DECIDE, "post", response)
    for decision, status in BAD_DECISIONS:
        response = await service.post(DECIDE, json=decision, headers=bearer(token))
        assert response.status == status, decision
        assert "nothing was changed" in (await response.json())["error"] or status == 400, decision
        await assert_documented(doc, DECIDE, "post", response)
    assert await audit(config, comment_id) == [("pending", "system", "submission", None)]


async def test_the_openapi_document_names_the_bearer_scheme_for_both_routes(service: TestClient) -> None:
    doc = await document(service)
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "From `moderation tokens create NAME`.",
    }
    for path, method in ((COMMENTS, "get"), (DECIDE, "post")):
        assert doc["paths"][path][method]["security"] == [{"bearer": []}]
        assert "401" in doc["paths"][path][method]["responses"]
    assert "security" not in doc["paths"]["/api/comments"]["post"]  # the readers' API needs none


def cli_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The command line on the tests' database, with the keys the in-process service uses."""
    return service_env(tmp_path, DATABASE_URL=database_url, DATA_KEYS=TEST_DATA_KEYS, INDEX_KEY=TEST_INDEX_KEY)


def tokens(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    result = run_command(["tokens", *args], env, cwd)
    return result.returncode, result.stdout, result.stderr


async def test_tokens_are_shown_once_stored_hashed_listed_without_them_and_revoked(
    tmp_path: Path, database_url: str
) -> None:
    env = cli_env(tmp_path, database_url)
    config = Config(database_url=database_url)
    code, token, said = tokens(env, tmp_path, "create", BOT)
    token = token.strip()
    assert code == 0 and len(token) >= 43 and "shown this once" in said and token not in said
    stored = await db.query(config, "SELECT name, token_hash FROM api_tokens")
    assert len(stored) == 1 and stored[0][0] == BOT and token not in stored[0][1]

    code, _, said = tokens(env, tmp_path, "create", BOT)
    assert code == 1 and f"a token named '{BOT}' exists already" in said
    code, listed, _ = tokens(env, tmp_path, "list")
    assert code == 0 and listed.startswith(f"{BOT}\tcreated ") and "last used never" in listed
    assert token not in listed

    code, said, _ = tokens(env, tmp_path, "revoke", BOT)
    assert code == 0 and said.startswith(f"revoked {BOT}")
    assert await db.query(config, "SELECT name FROM api_tokens") == []
    code, _, said = tokens(env, tmp_path, "revoke", BOT)
    assert code == 1 and f"no token is named '{BOT}'" in said
    for refused in (["create", "alice@clinic.example"], ["create", "system"], ["create"], ["list", BOT]):
        assert tokens(env, tmp_path, *refused)[0] == 2, refused


async def test_a_token_made_on_the_command_line_works_and_says_when_it_was_last_used(
    tmp_path: Path, service: TestClient, config: Config, clock: Clock
) -> None:
    env = cli_env(tmp_path, config.database_url)
    code, token, _ = tokens(env, tmp_path, "create", BOT)
    assert code == 0
    assert (await service.get(COMMENTS, headers=bearer(token.strip()))).status == 200
    (listed,) = await service.app[store_key].api_tokens.all()
    assert listed.last_used is not None and abs(listed.last_used.timestamp() - clock.now) < 1
    assert "last used never" not in tokens(env, tmp_path, "list")[1]
