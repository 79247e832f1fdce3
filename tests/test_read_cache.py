"""Thread states kept in memory on PostgreSQL: two instances on one schema, a listening
connection killed from the server side, a thread closed by its age, and one closed by hand."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.app_keys import store_key
from moderation.config import Config
from moderation.models import ByHand
from moderation.store.postgres import listener_name
from tests.conftest import make_config
from tests.factories import comment_data, decide, submit
from tests.moderators import Clock, sign_in
from tests.smtp import SmtpSink, link_path, mails_for
from tests.transfer_run import command_env, run
from tests.waiting import eventually

THREAD = comment_data()["thread"]
OTHER_THREAD = "/ketamine-and-sleep/"
DAYS = 30
DAY = 86400.0
# What every instance promises: a change made on one is seen on the others within a second.
SEEN_WITHIN = 1.0
# The first wait before a lost listening connection is made again: long enough for a test to
# act while the instance is not listening.
LISTEN_RETRY = 3.0


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, postgres_url: str) -> Config:
    return make_config(
        tmp_path, smtpd.port, database_url=postgres_url, close_after_days=DAYS, listen_retry=LISTEN_RETRY
    )


async def listener_pids(config: Config) -> set[int]:
    """The server processes of the listening connections for the test's schema."""
    connection = await asyncpg.connect(config.database_url)
    try:
        schema = await connection.fetchval("SELECT current_schema()")
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()",
            listener_name(schema),
        )
    finally:
        await connection.close()
    return {row["pid"] for row in rows}


async def terminate(config: Config, pid: int) -> None:
    connection = await asyncpg.connect(config.database_url)
    try:
        assert await connection.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await connection.close()


async def metric(client: TestClient, name: str) -> float:
    text = await (await client.get("/metrics")).text()
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} is not in /metrics"
    return float(found.group(1))


async def live(client: TestClient) -> bool:
    return await metric(client, "moderation_thread_states_live") == 1.0


async def reads(client: TestClient) -> tuple[float, float]:
    """How many thread states an instance answered (from memory, from the database)."""
    return (
        await metric(client, 'moderation_thread_state_reads_total{source="memory"}'),
        await metric(client, 'moderation_thread_state_reads_total{source="database"}'),
    )


async def listing(client: TestClient, thread: str = THREAD, etag: str | None = None) -> tuple[int, Any, str]:
    headers = {"If-None-Match": etag} if etag else {}
    response = await client.get("/api/comments", params={"thread": thread}, headers=headers)
    body = await response.json() if response.status == 200 else None
    return response.status, body, response.headers["ETag"]


async def shows(client: TestClient, count: int, thread: str = THREAD) -> bool:
    status, body, _ = await listing(client, thread)
    return status == 200 and body["count"] == count


async def closed(client: TestClient, thread: str = THREAD) -> bool:
    _, body, _ = await listing(client, thread)
    return bool(body["closed"])


async def not_(check: Awaitable[bool]) -> bool:
    return not await check


@dataclass
class Instances:
    """A and B on one schema and one clock, both listening, and their listening processes."""

    a: TestClient
    b: TestClient
    a_listener: int
    b_listener: int


@pytest.fixture
async def instances(config: Config, clock: Clock, aiohttp_client: Any) -> Instances:
    a = await aiohttp_client(create_app(config, clock=clock))
    await eventually(lambda: live(a))
    (a_listener,) = await listener_pids(config)
    b = await aiohttp_client(create_app(config, clock=clock))
    await eventually(lambda: live(b))
    (b_listener,) = await listener_pids(config) - {a_listener}
    return Instances(a, b, a_listener, b_listener)


async def approve_link(smtpd: SmtpSink, comment_id: int) -> str:
    mails = await eventually(lambda: mails_for(smtpd.messages, comment_id), timeout=15.0)
    return link_path(mails[0], "approve")


async def test_an_approval_on_one_instance_shows_on_the_other_within_a_second(
    instances: Instances, smtpd: SmtpSink
) -> None:
    a, b = instances.a, instances.b
    comment_id = await submit(a)
    status, body, etag = await listing(b)
    assert (status, body["count"]) == (200, 0)
    memory, database = await reads(b)
    assert (await listing(b, etag=etag))[0] == 304
    assert await reads(b) == (memory + 1, database)  # B answered from memory, without asking

    await decide(a, smtpd, comment_id)
    await eventually(lambda: shows(b, 1), timeout=SEEN_WITHIN)
    status, body, new_etag = await listing(b, etag=etag)
    assert (status, new_etag != etag, body["comments"][0]["id"]) == (200, True, comment_id)


async def test_one_decision_over_several_threads_shows_on_the_other_instance_for_each(
    instances: Instances, smtpd: SmtpSink
) -> None:
    a, b = instances.a, instances.b
    threads = [f"/ketamine-question-{n}/" for n in range(5)]
    ids = [await submit(a, thread=thread) for thread in threads]
    for thread in threads:
        assert await shows(b, 0, thread)  # each kept in B's memory

    moderator = await sign_in(a, smtpd)
    await moderator.decide("approve", ids)  # one transaction: one announcement for each thread
    for thread in threads:
        await eventually(partial(shows, b, 1, thread), timeout=SEEN_WITHIN)


async def test_a_killed_listening_connection_falls_back_to_asking_then_listens_again(
    instances: Instances, config: Config, smtpd: SmtpSink
) -> None:
    pair = instances
    a, b = pair.a, pair.b
    waiting = await submit(a)
    link = await approve_link(smtpd, waiting)
    assert await shows(b, 0) and not await closed(b, OTHER_THREAD)  # both kept in B's memory

    await terminate(config, pair.b_listener)
    await eventually(lambda: not_(live(b)), timeout=SEEN_WITHIN)
    assert (await a.post(link)).status == 200
    await eventually(lambda: shows(b, 1), timeout=SEEN_WITHIN)
    # A change B does not read until it listens again: what B kept before is not trusted.
    await a.app[store_key].threads.set_by_hand(OTHER_THREAD, ByHand.CLOSED)
    assert not await live(b), "B listened again before the test was done with it deaf"

    await eventually(lambda: live(b), timeout=LISTEN_RETRY + 5)
    (new_listener,) = await listener_pids(config) - {pair.a_listener}
    assert new_listener != pair.b_listener
    assert await closed(b, OTHER_THREAD)
    assert await shows(b, 1)
    memory, database = await reads(b)
    assert await shows(b, 1)
    assert await reads(b) == (memory + 1, database)  # from memory again

    second = await submit(a)
    await decide(a, smtpd, second)
    await eventually(lambda: shows(b, 2), timeout=SEEN_WITHIN)


async def test_a_thread_closed_by_its_age_reads_closed_on_both_without_any_change(
    instances: Instances, clock: Clock
) -> None:
    a, b = instances.a, instances.b
    assert not await closed(b)  # B keeps the thread as one without any comment
    await submit(a)  # its first comment starts its age, on B as well
    assert not await closed(a) and not await closed(b)
    _, _, etag = await listing(b)

    clock.advance(DAYS * DAY - 60)
    assert not await closed(a) and not await closed(b)
    memory, database = await reads(b)
    clock.advance(120)  # nothing written: the thread closed by its age alone
    assert await closed(a) and await closed(b)
    status, body, closed_etag = await listing(b, etag=etag)
    assert (status, body["closed"], closed_etag != etag) == (200, True, True)
    refused = await b.post("/api/comments", json=comment_data(body="Too late, on the other instance."))
    assert refused.status == 403
    assert (await reads(b))[1] == database, "B asked the database: the age alone should decide"


async def test_closing_by_hand_shows_on_both_instances(instances: Instances, config: Config, tmp_path: Path) -> None:
    a, b = instances.a, instances.b
    assert not await closed(a) and not await closed(b)
    env = command_env(tmp_path, config.database_url)

    result = await asyncio.to_thread(run, env, tmp_path, "threads", "close", THREAD)
    assert result.returncode == 0, result.stderr
    await eventually(lambda: closed(a), timeout=SEEN_WITHIN)
    await eventually(lambda: closed(b), timeout=SEEN_WITHIN)
    refused = await b.post("/api/comments", json=comment_data())
    assert refused.status == 403

    result = await asyncio.to_thread(run, env, tmp_path, "threads", "open", THREAD)
    assert result.returncode == 0, result.stderr
    await eventually(lambda: not_(closed(a)), timeout=SEEN_WITHIN)
    await eventually(lambda: not_(closed(b)), timeout=SEEN_WITHIN)
    assert (await b.post("/api/comments", json=comment_data())).status == 202

    # The same from within instance A's own store (what its commands share with the CLI).
    await a.app[store_key].threads.set_by_hand(THREAD, ByHand.CLOSED)
    assert await closed(a)  # its own change, at once
    await eventually(lambda: closed(b), timeout=SEEN_WITHIN)
