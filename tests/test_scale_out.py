"""Scale-out: several `moderation serve` processes on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from moderation.app import create_app
from moderation.config import Config
from tests import db
from tests.conftest import MODERATORS, TEST_DATA_KEYS, TEST_INDEX_KEY, make_config
from tests.factories import comment_data, submit
from tests.service import Service, service_env
from tests.smtp import SmtpSink, link_path
from tests.waiting import eventually

SUBMISSIONS = 300
INSTANCES = 3


@pytest.fixture
async def instances(tmp_path: Path, postgres_url: str, smtpd: SmtpSink) -> AsyncIterator[list[Service]]:
    """Three `moderation serve` processes on one PostgreSQL database, stopped after the test."""
    services = [
        Service(
            service_env(
                tmp_path / f"instance-{n}",
                smtp_port=smtpd.port,
                DATABASE_URL=postgres_url,
                PUBLIC_URL="http://comments.test",
                BURST_CAP="off",  # every comment's mail goes out: what is shared is the sending
                # Shared by every instance, like the secret key: each seals what the others open.
                DATA_KEYS=TEST_DATA_KEYS,
                INDEX_KEY=TEST_INDEX_KEY,
            ),
            tmp_path / f"instance-{n}",
        )
        for n in range(INSTANCES)
    ]
    try:
        # All at once: they race to migrate the same empty database.
        await asyncio.gather(*(service.start() for service in services))
        yield services
    finally:
        await asyncio.gather(*(service.close() for service in services))


async def submit_spread(
    session: aiohttp.ClientSession, services: list[Service], count: int, start: int = 0
) -> dict[int, int]:
    """Submit `count` comments round-robin over the live instances; return {comment id: number}."""
    targets = itertools.cycle(services)

    async def one(number: int, service: Service) -> tuple[int, int] | None:
        payload = comment_data(name=f"Reader {number}", body=f"Comment number {number}.")
        try:
            async with session.post(service.url + "/api/comments", json=payload) as response:
                if response.status != 202:
                    return None
                return (await response.json())["id"], number
        except aiohttp.ClientError:  # that instance is gone: the reader's browser would retry
            return None

    answers = await asyncio.gather(*(one(n, next(targets)) for n in range(start, start + count)))
    return dict(answer for answer in answers if answer is not None)


def deliveries(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in messages)


async def wait_until_all_sent(config: Config, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while (await db.query(config, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'"))[0][0]:
            await asyncio.sleep(0.2)


async def test_three_instances_share_the_outbox_without_sending_any_mail_twice(
    instances: list[Service], postgres_url: str, smtpd: SmtpSink
) -> None:
    services = instances
    config = Config(database_url=postgres_url)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        accepted = await submit_spread(session, services, SUBMISSIONS)
        assert len(accepted) == SUBMISSIONS

        await smtpd.wait_for(SUBMISSIONS * len(MODERATORS), timeout=60)
        await wait_until_all_sent(config, timeout=30)
        await asyncio.sleep(1.0)  # time for a duplicate to show up, if there were one
        sent = deliveries(smtpd.messages)
        assert len(sent) == SUBMISSIONS * len(MODERATORS)
        assert set(sent.values()) == {1}, "a mail was sent twice"
        pairs = {(str(m["Message-ID"]).split(".")[0], str(m["To"])) for m in smtpd.messages}
        assert pairs == {(f"<comment-{cid}", moderator) for cid in accepted for moderator in MODERATORS}

        senders = await db.query(config, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
        assert senders == [(SUBMISSIONS * len(MODERATORS),)]
        await links_and_etags_work_across_instances(session, services, smtpd.messages[0])


async def links_and_etags_work_across_instances(
    session: aiohttp.ClientSession, services: list[Service], mail: EmailMessage
) -> None:
    """A link minted by whichever instance sent the mail works on every other one, and an
    approval on one instance is seen by the others within a second (each keeps thread states in
    memory, and hears of the change through LISTEN/NOTIFY)."""
    a, b, c = services
    thread = comment_data()["thread"]
    async with session.get(b.url + "/api/comments", params={"thread": thread}) as before:
        etag = before.headers["ETag"]
        count = (await before.json())["count"]

    path = link_path(mail, "approve")
    async with session.get(a.url + path) as confirm:
        assert confirm.status == 200
    async with session.post(c.url + path) as approved:
        assert approved.status == 200
        assert "Comment approved" in await approved.text()

    async def b_shows_it() -> bool:
        async with session.get(
            b.url + "/api/comments", params={"thread": thread}, headers={"If-None-Match": etag}
        ) as after:
            return after.status == 200 and after.headers["ETag"] != etag and (await after.json())["count"] == count + 1

    await eventually(b_shows_it, timeout=1.0)


def sender_name(service: Service) -> str:
    """The name an instance claims mail under, from its start-up log."""
    found = re.search(r"outbox: sending as (\w+)", service.stderr)
    assert found, service.output()
    return found.group(1)


async def test_an_instance_killed_mid_run_loses_no_mail_and_sends_at_most_one_copy(
    instances: list[Service], postgres_url: str, smtpd: SmtpSink
) -> None:
    services = instances
    victim = services[1]
    config = Config(database_url=postgres_url)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as session:
        accepted: dict[int, Any] = await submit_spread(session, services, SUBMISSIONS // 2)
        await smtpd.wait_for(50)
        # The mail server stalls, so that every instance is caught holding claimed mail.
        smtpd.handler.hold.clear()

        async def claimed_by_victim() -> int:
            sql = "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND claimed_by = ?"
            return int((await db.query(config, sql, sender_name(victim)))[0][0])

        await eventually(claimed_by_victim)
        await victim.kill9()
        killed_at = time.monotonic()
        smtpd.handler.hold.set()
        held = await claimed_by_victim()

        live = [service for service in services if service is not victim]  # as a load balancer would
        accepted |= await submit_spread(session, live, SUBMISSIONS // 2, start=SUBMISSIONS // 2)
        assert len(accepted) == SUBMISSIONS

        await wait_until_all_sent(config, timeout=30 - (time.monotonic() - killed_at))
        recovered = time.monotonic() - killed_at
        print(f"\nkill -9 of an instance holding {held} claimed mails: all mail sent {recovered:.1f} s after the kill")
        await asyncio.sleep(1.0)
        sent = deliveries(smtpd.messages)
        expected = {f"<comment-{cid}" for cid in accepted}
        assert {mid.split(".")[0] for mid in sent} >= expected, "a mail of an accepted comment never arrived"
        assert len(sent) == len(await db.query(config, "SELECT id FROM outbox"))
        copies = sum(count - 1 for count in sent.values())
        assert copies <= 1, f"{copies} extra copies for one kill"


async def test_a_slow_mail_server_does_not_make_a_live_sender_look_dead(
    tmp_path: Path,
    postgres_url: str,
    smtpd: SmtpSink,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the apps stop before their database goes
) -> None:
    # Beats every 0.2 s: a sender silent for 1 s would be dead, and its mail taken over.
    config = make_config(tmp_path, smtpd.port, database_url=postgres_url, heartbeat=0.2, smtp_timeout=10.0)
    first = await aiohttp_client(create_app(config))
    await aiohttp_client(create_app(config))  # a second instance, looking for mail to take over
    smtpd.handler.hold.clear()
    await submit(first)
    await eventually(lambda: smtpd.handler.data_commands >= 1)
    await asyncio.sleep(3.0)  # the server sits on the first mail for three times that silence
    smtpd.handler.hold.set()

    await smtpd.wait_for(len(MODERATORS))
    await asyncio.sleep(1.0)
    sent = deliveries(smtpd.messages)
    assert len(sent) == len(MODERATORS) and set(sent.values()) == {1}, f"mail taken over from a live sender: {sent}"
