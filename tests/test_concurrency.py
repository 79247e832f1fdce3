"""Concurrency is not an error: hundreds of simultaneous submissions, on each store."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from moderation.config import Config
from tests.conftest import MODERATORS, make_config
from tests.db import query
from tests.factories import comment_data
from tests.service import running, service_env
from tests.smtp import SmtpSink
from tests.waiting import eventually

SUBMISSIONS = 300


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> Config:
    # Every comment's mail goes out here: the burst cap would fold all but 20 per moderator.
    return make_config(tmp_path, smtpd.port, database_url=database_url, burst_cap=None)


def report(where: str, elapsed: float) -> None:
    print(
        f"\n{SUBMISSIONS} concurrent submissions ({where}): {elapsed:.2f} s, {SUBMISSIONS / elapsed:.0f} submissions/s"
    )


async def test_300_simultaneous_submissions_all_succeed_and_each_mail_is_sent_exactly_once(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    async def submit(n: int) -> tuple[int, Any]:
        response = await client.post(
            "/api/comments", json=comment_data(name=f"Reader {n}", body=f"Comment number {n}.")
        )
        return response.status, await response.json()

    started = time.perf_counter()
    answers = await asyncio.gather(*(submit(n) for n in range(SUBMISSIONS)))
    report("in-process app", time.perf_counter() - started)

    assert Counter(status for status, _ in answers) == {202: SUBMISSIONS}, [a for a in answers if a[0] != 202][:3]
    ids = [body["id"] for _, body in answers]
    assert len(set(ids)) == SUBMISSIONS

    stored = [row[0] for row in await query(config, "SELECT id FROM comments")]
    assert sorted(stored) == sorted(ids)
    sealer = config.sealer()
    outbox = [
        (comment_id, sealer.open(sealed, "outbox", "recipient", id_))
        for id_, comment_id, sealed in await query(config, "SELECT id, comment_id, recipient FROM outbox")
    ]
    assert len(outbox) == len(MODERATORS) * SUBMISSIONS
    assert set(outbox) == {(comment_id, moderator) for comment_id in ids for moderator in MODERATORS}

    await smtpd.wait_for(len(outbox), timeout=60)

    async def all_sent() -> bool:
        return not (await query(config, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'"))[0][0]

    await eventually(all_sent, timeout=30, interval=0.1)
    message_ids = Counter(str(message["Message-ID"]) for message in smtpd.messages)
    assert len(message_ids) == len(outbox)
    assert set(message_ids.values()) == {1}, "a mail arrived more than once"


async def test_300_simultaneous_submissions_over_tcp_to_the_real_process_all_get_202(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    env = service_env(tmp_path, smtp_port=smtpd.port)
    async with running(env, tmp_path) as service:
        connector = aiohttp.TCPConnector(limit=SUBMISSIONS)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

            async def submit(n: int) -> tuple[int, Any]:
                payload = comment_data(name=f"Reader {n}", body=f"Comment number {n}.")
                async with session.post(service.url + "/api/comments", json=payload) as response:
                    return response.status, await response.json()

            started = time.perf_counter()
            answers = await asyncio.gather(*(submit(n) for n in range(SUBMISSIONS)))
            report("subprocess over TCP", time.perf_counter() - started)

        assert Counter(status for status, _ in answers) == {202: SUBMISSIONS}, [a for a in answers if a[0] != 202][:3]
        ids = {body["id"] for _, body in answers}
        assert len(ids) == SUBMISSIONS
        stored = await query(Config(database_url=f"sqlite:///{service.database}"), "SELECT id FROM comments")
        assert {row[0] for row in stored} == ids
        assert await service.terminate() == 0
