"""Webhooks: every change of a comment's state reaches every URL once, signed, through their outbox."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.app_keys import store_key
from moderation.config import ROOT, Config
from moderation.models import Action, Channel
from moderation.webhooks.sender import RECEIVERS_AT_ONCE
from tests import db
from tests.conftest import MODERATORS, PUBLIC_URL, free_port, make_config
from tests.factories import comment_data, decide, submit
from tests.moderators import sign_in
from tests.receiver import SECRET, Answer, Receiver, verify
from tests.service import run_command, running, service_env
from tests.smtp import SmtpSink, mails_for
from tests.transfer_run import command_env
from tests.waiting import eventually

STATUSES = ("pending", "approved", "rejected", "spam")
FIELDS = {"event", "id", "thread", "title", "name", "body_html", "status", "created", "queue_url"}


@pytest.fixture
async def receivers() -> AsyncIterator[list[Receiver]]:
    """Two receivers on loopback: every event goes to each."""
    started = [Receiver(), Receiver()]
    for receiver in started:
        await receiver.start()
    yield started
    for receiver in started:
        await receiver.stop()


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str, receivers: list[Receiver]) -> Config:
    return make_config(
        tmp_path,
        smtpd.port,
        database_url=database_url,
        webhooks=tuple(receiver.url for receiver in receivers),
        webhook_secret=SECRET,
    )


async def rows(config: Config) -> list[dict[str, Any]]:
    return await db.records(config, "SELECT * FROM webhook_outbox ORDER BY id")


async def settled(config: Config) -> list[dict[str, Any]]:
    """The webhook rows, once none waits any more."""

    async def none_waiting() -> list[dict[str, Any]]:
        found = await rows(config)
        return found if found and all(row["status"] != "pending" for row in found) else []

    return await eventually(none_waiting)


def readme_check() -> Callable[[bytes, str, bytes], bool]:
    """The receiver's signature check as the README shows it."""
    found = re.search(r"## Webhooks\n.*?```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert found, "the README shows no check"
    namespace: dict[str, Any] = {}
    exec(found.group(1), namespace)
    check: Callable[[bytes, str, bytes], bool] = namespace["genuine"]
    return check


async def got(receiver: Receiver, expected: dict[tuple[str, int], int]) -> None:
    await eventually(lambda: receiver.events() == expected, timeout=15)


async def test_every_event_reaches_every_url_once_signed_with_its_fields(
    service: TestClient, smtpd: SmtpSink, config: Config, receivers: list[Receiver]
) -> None:
    approved = await submit(service, name="Dana Pending", body="Does the **first** week feel different?")
    caught = await submit(service, name="Caught Wrongly", homepage="http://cheap-pills.example")
    await decide(service, smtpd, approved, "approve")
    rejected = await submit(service, name="Rude Reader")
    await decide(service, smtpd, rejected, "reject")
    alice = await sign_in(service, smtpd, MODERATORS[0])
    await alice.decide("restore", [caught], status="spam")
    binned = await submit(service, name="Casino Bot")
    await alice.decide("spam", [binned])
    asked = await submit(service, name="Asking Reader")
    response = await alice.post("/queue/reply", {"csrf": await alice.csrf(), "id": str(asked), "body": "Yes."})
    assert response.status == 303
    thread = await (await service.get("/api/comments", params={"thread": comment_data()["thread"]})).json()
    (reply,) = [c["id"] for c in thread["comments"] if c["by_site"]]

    expected = {
        ("comment.pending", approved): 1,
        ("comment.approved", approved): 1,
        ("comment.spam", caught): 1,
        ("comment.pending", caught): 1,  # restored
        ("comment.pending", rejected): 1,
        ("comment.rejected", rejected): 1,
        ("comment.pending", binned): 1,
        ("comment.spam", binned): 1,
        ("comment.pending", asked): 1,
        ("comment.approved", asked): 1,
        ("comment.approved", reply): 1,
    }
    for receiver in receivers:
        await got(receiver, expected)
    assert all(row["status"] == "sent" and row["attempts"] == 1 for row in await settled(config))
    await asyncio.sleep(0.5)  # time for a second delivery to show up, if there were one
    assert all(receiver.events() == expected for receiver in receivers)

    first = receivers[0]
    genuine = readme_check()
    for delivery in first.delivered:
        assert delivery.path == "/hooks/comments"
        assert delivery.headers["Content-Type"] == "application/json"
        assert delivery.headers["User-Agent"].startswith("moderation/")
        signature = delivery.headers["X-Moderation-Signature"]
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", signature)
        assert verify(SECRET, signature, delivery.body, time.time())
        assert not verify("another secret", signature, delivery.body, time.time())
        assert not verify(SECRET, signature, delivery.body + b" ", time.time())
        assert genuine(SECRET.encode(), signature, delivery.body)  # the README's check agrees
        assert not genuine(b"another secret", signature, delivery.body)
        body = delivery.json
        assert set(body) == FIELDS
        assert body["event"] == f"comment.{body['status']}"
        assert body["queue_url"] == PUBLIC_URL + "/queue"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created"])
        # Never an address, never a decision link: not the reader's, not a moderator's.
        text = delivery.body.decode()
        assert "@" not in text and "/moderate/" not in text
    pending = [d.json for d in first.delivered if d.json["id"] == approved and d.json["event"] == "comment.pending"]
    assert pending[0]["name"] == "Dana Pending"
    assert pending[0]["body_html"] == "<p>Does the <strong>first</strong> week feel different?</p>"
    # Sent before any comment was approved, the page had no title yet: a submission gives it none.
    assert pending[0]["thread"] == comment_data()["thread"] and pending[0]["title"] == ""
    (published,) = [
        d.json for d in first.delivered if d.json["id"] == approved and d.json["event"] == "comment.approved"
    ]
    assert published["title"] == comment_data()["title"]
    (site_reply,) = [d.json for d in first.delivered if d.json["id"] == reply]
    assert site_reply["name"] == config.site_name and site_reply["status"] == "approved"


async def test_a_webhook_sends_the_same_bytes_at_every_try(
    client: TestClient, config: Config, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    receiver.answers = [Answer(500), Answer(503)]
    comment_id = await submit(client)
    await eventually(lambda: len(receiver.tries) == 3 and receiver.delivered)
    first, second, third = receiver.tries
    assert [first.status, second.status, third.status] == [500, 503, 200]
    assert first.body == second.body == third.body
    assert receiver.events() == {("comment.pending", comment_id): 1}
    row = [r for r in await settled(config) if r["url"] == receiver.url][0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)


@pytest.mark.parametrize("status", [410, 400, 302])
async def test_a_final_refusal_or_a_redirect_is_given_up_at_once_and_shows_in_health(
    client: TestClient, config: Config, receivers: list[Receiver], status: int, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = receivers[0]
    receiver.answers = [Answer(status, {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else None)]
    await submit(client)
    await settled(config)
    await asyncio.sleep(0.3)  # retries would come within this (retry_cap is 0.5 s in tests)
    assert [t.status for t in receiver.tries] == [status]
    (failed,) = [r for r in await rows(config) if r["url"] == receiver.url]
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["last_error"].startswith(f"answered {status}")
    health = await (await client.get("/healthz")).json()
    assert health["webhooks"] == {"pending": 0, "failed": 1, "oldest_pending_seconds": None}
    assert health["outbox"]["failed"] == 0  # the mail is another matter
    metrics = await (await client.get("/metrics")).text()
    assert "moderation_webhook_outbox_failed 1.0" in metrics
    assert "moderation_webhooks_failed_total 1.0" in metrics
    assert any("gave up" in r.message and "127.0.0.1" in r.message for r in caplog.records)


async def test_too_many_requests_is_tried_again_when_the_receiver_says(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    config = make_config(tmp_path, smtpd.port, webhooks=(receiver.url,), webhook_secret=SECRET, retry_cap=5.0)
    client = await aiohttp_client(create_app(config))
    receiver.answers = [Answer(429, {"Retry-After": "1"})]
    await submit(client)
    await eventually(lambda: receiver.delivered, timeout=10)
    refused, delivered = receiver.tries
    assert refused.status == 429 and delivered.body == refused.body
    assert 0.9 <= delivered.at - refused.at < 3  # not at once (0.05 s), not the back-off's later tries


async def test_a_receiver_that_is_down_gets_everything_once_it_is_up(
    tmp_path: Path, smtpd: SmtpSink, database_url: str, aiohttp_client: Any
) -> None:
    port = free_port()
    receiver = Receiver(port)
    config = make_config(
        tmp_path, smtpd.port, database_url=database_url, webhooks=(receiver.url,), webhook_secret=SECRET
    )
    client = await aiohttp_client(create_app(config))
    ids = [await submit(client) for _ in range(3)]

    async def all_tried() -> bool:
        return all(row["attempts"] >= 2 for row in await rows(config))

    await eventually(all_tried)
    health = await (await client.get("/healthz")).json()
    assert health["webhooks"]["pending"] == 3 and health["webhooks"]["failed"] == 0
    assert health["webhooks"]["oldest_pending_seconds"] > 0
    await receiver.start()
    try:
        await eventually(lambda: len(receiver.delivered) == 3, timeout=10)
        await settled(config)
        await asyncio.sleep(0.3)
        assert receiver.events() == {("comment.pending", id_): 1 for id_ in ids}
        health = await (await client.get("/healthz")).json()
        assert health["webhooks"] == {"pending": 0, "failed": 0, "oldest_pending_seconds": None}
    finally:
        await receiver.stop()


async def test_a_slow_receiver_delays_neither_moderator_mail_nor_another_receiver(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any, receivers: list[Receiver]
) -> None:
    slow, fast = receivers
    slow.delay = 5.0
    config = make_config(
        tmp_path, smtpd.port, webhooks=(slow.url, fast.url), webhook_secret=SECRET, webhook_timeout=1.0
    )
    client = await aiohttp_client(create_app(config))
    started = time.monotonic()
    comment_id = await submit(client)
    await eventually(lambda: slow.arrivals)  # the slow receiver has it, and sits on it
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=10)
    await eventually(lambda: fast.delivered, timeout=10)
    assert fast.delivered[0].at - started < 0.8 and not slow.tries  # well within the slow one's timeout
    response = await client.get("/api/comments", params={"thread": comment_data()["thread"]})
    assert response.status == 200

    async def timed_out() -> list[dict[str, Any]]:
        return [r for r in await rows(config) if r["url"] == slow.url and r["attempts"] >= 1]

    (row,) = await eventually(timed_out, timeout=5)
    assert row["status"] == "pending" and row["last_error"] == "no answer within 1 s"


async def test_forgetting_an_address_removes_its_webhooks_too(
    client: TestClient, config: Config, receivers: list[Receiver]
) -> None:
    for receiver in receivers:
        await receiver.stop()  # nobody takes them: they wait
    await submit(client, email="leaving@example.com")
    kept = await submit(client, email="staying@example.com")
    await eventually(lambda: rows(config))
    await client.app[store_key].comments.forget("leaving@example.com")
    assert {row["comment_id"] for row in await rows(config)} == {kept}


async def test_two_instances_on_postgresql_deliver_each_event_once(
    tmp_path: Path, smtpd: SmtpSink, postgres_url: str, aiohttp_client: Any, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    receiver.delay = 0.02  # deliveries overlap: both instances look for work while the other sends
    config = make_config(
        tmp_path, smtpd.port, database_url=postgres_url, webhooks=(receiver.url,), webhook_secret=SECRET
    )
    instances = [await aiohttp_client(create_app(config)) for _ in range(2)]
    ids = await asyncio.gather(*(submit(instances[n % 2], name=f"Reader {n}") for n in range(40)))
    await (
        instances[1]
        .app[store_key]
        .comments.decide(ids[:20], Action.APPROVE, actor=MODERATORS[0], channel=Channel.QUEUE)
    )
    expected = {("comment.pending", id_): 1 for id_ in ids} | {("comment.approved", id_): 1 for id_ in ids[:20]}
    await got(receiver, expected)
    await settled(config)
    await asyncio.sleep(0.5)
    assert receiver.events() == expected, "an event was delivered twice"
    assert len(receiver.tries) == 60


async def test_kill_9_with_a_webhook_in_flight_loses_none_and_resends_at_most_that_one(
    tmp_path: Path, smtpd: SmtpSink, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    receiver.delay = 3.0  # the receiver sits on each POST: one is in flight when the process dies
    env = service_env(tmp_path, smtp_port=smtpd.port, WEBHOOKS=receiver.url, WEBHOOK_SECRET=SECRET)
    async with running(env, tmp_path) as service:
        async with aiohttp.ClientSession() as session:
            ids = []
            for n in range(5):
                async with session.post(service.url + "/api/comments", json=comment_data(name=f"R{n}")) as answer:
                    assert answer.status == 202
                    ids.append((await answer.json())["id"])
        await eventually(lambda: receiver.arrivals, 15)
        await service.kill9()
    receiver.delay = 0
    async with running(env, tmp_path) as restarted:
        await eventually(lambda: {("comment.pending", id_) for id_ in ids} <= set(receiver.events()), 30)
        assert await restarted.terminate() == 0
    counts = receiver.events()
    assert set(counts) == {("comment.pending", id_) for id_ in ids}
    assert sum(counts.values()) <= len(ids) + 1, "more than the one in flight was sent twice"


async def test_an_import_sends_no_webhook(tmp_path: Path, receivers: list[Receiver]) -> None:
    database_url = f"sqlite:///{tmp_path}/imported.sqlite3"
    env = command_env(tmp_path, database_url) | {
        "MODERATION_WEBHOOKS": receivers[0].url,
        "MODERATION_WEBHOOK_SECRET": SECRET,
    }
    export = tmp_path / "old.jsonl"
    line = {"thread": "/p/", "title": "P", "parent": None, "name": "Old Reader", "website": "", "avatar": ""}
    line |= {"body": "Hi", "body_html": "<p>Hi</p>", "created": "2020-01-01T00:00:00Z", "decided": None}
    export.write_text(
        json.dumps({"format": "moderation-export", "version": 1, "exported": "2026-11-27T00:00:00Z"})
        + "\n"
        + "\n".join(json.dumps(line | {"id": n, "status": status}) for n, status in enumerate(STATUSES, 1))
        + "\n"
    )
    result = run_command(["import", "--format", "jsonl", str(export)], env, tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    config = Config(database_url=database_url)
    assert len(await db.records(config, "SELECT id FROM comments")) == len(STATUSES)
    assert await rows(config) == []
    assert receivers[0].tries == []


async def test_more_receivers_than_are_sent_to_at_once_all_get_everything(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    many = [Receiver() for _ in range(RECEIVERS_AT_ONCE + 3)]
    for receiver in many:
        receiver.delay = 0.2
        await receiver.start()
    try:
        config = make_config(
            tmp_path, smtpd.port, webhooks=tuple(receiver.url for receiver in many), webhook_secret=SECRET
        )
        client = await aiohttp_client(create_app(config))
        ids = [await submit(client) for _ in range(3)]
        expected = {("comment.pending", id_): 1 for id_ in ids}
        for receiver in many:
            await got(receiver, expected)
        assert all(row["status"] == "sent" and row["attempts"] == 1 for row in await settled(config))
    finally:
        for receiver in many:
            await receiver.stop()
