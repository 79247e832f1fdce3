"""`moderation serve --workers 2`: a supervisor and two worker processes on one port, as an
operator runs them, with the mail server in the test process."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import closing
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from moderation.app import service_links
from moderation.config import ROOT, Config
from moderation.store import open_store
from tests import db
from tests.conftest import MODERATORS, TEST_DATA_KEYS, TEST_INDEX_KEY
from tests.factories import comment_data, held_comment
from tests.service import Service, run_command, service_env
from tests.smtp import SmtpSink, text_of
from tests.waiting import eventually

WORKERS = 2
SUBMISSIONS = 300
CONNECTIONS = 50
SHARED_PORT = "the workers share one port: set MODERATION_PORT to one (not 0)"
MIGRATION_FILES = sorted(path.name for path in (ROOT / "migrations" / "sqlite").glob("*.sql"))


def workers_env(data_dir: Path, smtp_port: int, **overrides: str) -> dict[str, str]:
    # One moderator: each comment makes exactly one mail, so mails count comments.
    settings = {"WORKERS": str(WORKERS), "MODERATORS": MODERATORS[0], "BURST_CAP": "off"} | overrides
    return service_env(data_dir, smtp_port=smtp_port, **settings)


def worker_pids(service: Service) -> dict[int, int]:
    """{slot: pid} of the workers running now, from the supervisor's log (the latest start of each slot)."""
    return {int(slot): int(pid) for slot, pid in re.findall(r"started worker (\d+) \(pid (\d+)\)", service.stderr)}


def senders_up(service: Service) -> int:
    """How many workers' mail senders have started, restarts included."""
    return len(re.findall(r"worker \d+ moderation\.outbox_sender: outbox: sending as", service.stderr))


def query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(sql).fetchall()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


@pytest.fixture
async def workers(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> AsyncIterator[Service]:
    """`moderation serve --workers 2` on a SQLite file or PostgreSQL, both workers up."""
    env = workers_env(tmp_path, smtpd.port, DATABASE_URL=database_url, WORKERS="1")  # the option wins
    service = Service(env, tmp_path, serve=("--workers", str(WORKERS)))
    try:
        await service.start()
        await eventually(lambda: senders_up(service) == WORKERS, 15)
        yield service
    finally:
        await service.close()


def mails_by_comment(messages: list[EmailMessage]) -> Counter[int]:
    found: Counter[int] = Counter()
    for message in messages:
        match = re.match(r"<comment-(\d+)\.", str(message["Message-ID"]))
        assert match, f"unexpected Message-ID {message['Message-ID']}"
        found[int(match.group(1))] += 1
    return found


async def post(session: aiohttp.ClientSession, service: Service, number: int) -> tuple[int | None, Any]:
    """One submission: (status, body), or (None, the error) when no answer came."""
    payload = comment_data(name=f"Reader {number}", body=f"Comment number {number}, from a reader.")
    try:
        async with session.post(service.url + "/api/comments", json=payload) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()
    except aiohttp.ClientError as error:  # a connection the killed worker held, or refused
        return None, repr(error)


def session(connections: int = CONNECTIONS) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections), timeout=aiohttp.ClientTimeout(total=30)
    )


async def all_sent(config: Config) -> bool:
    rows = await db.records(config, "SELECT COUNT(*) AS n FROM outbox WHERE status != 'sent'")
    return int(rows[0]["n"]) == 0


async def test_300_concurrent_submissions_all_get_202_and_one_mail_each(
    workers: Service, smtpd: SmtpSink, database_url: str
) -> None:
    config = Config(database_url=database_url)
    pids = worker_pids(workers)
    before = {pid: cpu_seconds(pid) for pid in pids.values()}
    async with session() as client:
        answers = await asyncio.gather(*(post(client, workers, n) for n in range(SUBMISSIONS)))
    # The kernel gave both workers connections: each spent time answering.
    assert all(cpu_seconds(pid) - before[pid] > 0.03 for pid in pids.values()), "a worker answered nothing"
    assert Counter(status for status, _ in answers) == {202: SUBMISSIONS}, [a for a in answers if a[0] != 202][:5]
    accepted = {body["id"] for _, body in answers}
    assert len(accepted) == SUBMISSIONS

    await smtpd.wait_for(SUBMISSIONS, timeout=30)
    await eventually(lambda: all_sent(config), 15)
    await asyncio.sleep(0.5)  # time for a second copy to arrive, if one were sent
    assert mails_by_comment(smtpd.messages) == {comment_id: 1 for comment_id in accepted}
    stored = await db.records(config, "SELECT id FROM comments")
    assert {row["id"] for row in stored} == accepted
    assert "database is locked" not in workers.stderr
    assert "Traceback" not in workers.stderr

    # The supervisor migrated, once, before any worker started; no worker migrated.
    log = workers.stderr
    assert len(re.findall(r"applied migrations: ", log)) == 1, log
    assert log.index("applied migrations: ") < log.index("started worker 0")
    assert not re.search(r"worker \d+ \S+: applied migrations", log)
    ledger = await db.records(config, "SELECT name FROM schema_migrations ORDER BY name")
    assert [row["name"] for row in ledger] == MIGRATION_FILES

    assert await workers.terminate() == 0


async def test_kill_9_of_a_worker_in_a_burst_loses_nothing_acknowledged_and_of_the_supervisor_leaves_no_worker(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    database_url = f"sqlite:///{tmp_path}/comments.sqlite3"
    config = Config(database_url=database_url)
    service = Service(workers_env(tmp_path, smtpd.port), tmp_path)
    async with service:
        await eventually(lambda: senders_up(service) == WORKERS, 15)
        victim = worker_pids(service)[1]
        answered = 0

        async def counted(client: aiohttp.ClientSession, number: int) -> tuple[int | None, Any]:
            nonlocal answered
            answer = await post(client, service, number)
            answered += 1
            return answer

        async with session() as client:
            burst = [asyncio.create_task(counted(client, n)) for n in range(SUBMISSIONS)]
            await eventually(lambda: answered >= SUBMISSIONS // 4, 30, interval=0.005)
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            answers = await asyncio.gather(*burst)
            # The supervisor starts slot 1 again; the readers whose requests were cut off retry.
            await eventually(lambda: worker_pids(service)[1] != victim and senders_up(service) == WORKERS + 1, 15)
            restarted = time.monotonic() - killed
            retried = [n for n, (status, _) in enumerate(answers) if status is None]
            answers += await asyncio.gather(*(post(client, service, SUBMISSIONS + n) for n in retried))

        statuses = Counter(status for status, _ in answers)
        assert set(statuses) <= {202, None}, statuses  # no 5xx, no "database is locked"
        assert statuses[None] == len(retried), "a retried submission failed again"
        accepted = {body["id"] for status, body in answers if status == 202}
        stored = {row["id"] for row in await db.records(config, "SELECT id FROM comments")}
        assert accepted <= stored, f"acknowledged and lost: {sorted(accepted - stored)}"

        await smtpd.wait_for(len(stored), timeout=30)
        await eventually(lambda: all_sent(config), 15)
        await asyncio.sleep(0.5)
        mailed = mails_by_comment(smtpd.messages)
        assert set(mailed) == stored, "every stored comment mailed, the ones whose answer was cut off too"
        copies = sum(count - 1 for count in mailed.values())
        assert copies <= 1, f"{copies} copies: at most the one mail in flight at the kill goes twice"
        assert re.search(rf"worker 1 \(pid {victim}\) was killed by signal 9; starting it again", service.stderr)
        print(f"\nworker killed: started again and sending {restarted:.1f} s later; {len(retried)} requests cut off")

        # The supervisor killed in its turn, with no chance to stop them: the workers stop by themselves.
        pids = worker_pids(service)
        await service.kill9()
        await eventually(lambda: not any(alive(pid) for pid in pids.values()), 15)
    assert service.stderr.count("the supervisor (pid") == WORKERS


async def test_sigterm_to_the_supervisor_drains_requests_in_flight_and_every_process_exits(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    service = Service(workers_env(tmp_path, smtpd.port), tmp_path)
    async with service:
        await eventually(lambda: senders_up(service) == WORKERS, 15)
        pids = worker_pids(service)
        # Another program holds the database's write lock, so that submissions wait in the workers
        # (busy timeout) as the signal comes.
        with closing(sqlite3.connect(service.database, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            async with session() as client:
                burst = [asyncio.create_task(post(client, service, n)) for n in range(20)]
                await asyncio.sleep(0.5)  # all of them sent, each waiting for the lock
                # Reads do not wait for a writer, on either worker.
                for _ in range(10):
                    async with client.get(service.url + "/api/comments", params={"thread": "/drain/"}) as read:
                        assert read.status == 200 and (await read.json())["count"] == 0
                service.send_sigterm()
                signalled = time.monotonic()
                await asyncio.sleep(1.0)  # the workers have stopped listening, and drain
                other.execute("ROLLBACK")
                answers = await asyncio.gather(*burst)
        code = await service.wait(20)
        took = time.monotonic() - signalled
    assert code == 0, service.output()
    assert Counter(status for status, _ in answers) == {202: 20}, answers
    stored = {row[0] for row in query(service.database, "SELECT id FROM comments")}
    assert {body["id"] for _, body in answers} == stored
    assert all(not alive(pid) for pid in pids.values()), "a worker outlived its supervisor"
    assert "waiting for 2 workers to finish their requests" in service.stderr
    assert "Traceback" not in service.stderr
    assert took < 15


async def test_the_hours_digest_goes_out_once_though_every_worker_writes_it(tmp_path: Path, smtpd: SmtpSink) -> None:
    env = workers_env(tmp_path, smtpd.port, NOTIFY="hourly", DATA_KEYS=TEST_DATA_KEYS, INDEX_KEY=TEST_INDEX_KEY)
    config = Config.from_env(env)
    # A comment that came in the hour before: each worker, started in mid-hour, writes that
    # hour's digest at once, both at the same moment.
    earlier = await open_store(config, clock=lambda: time.time() - 3700, links=service_links(config))
    try:
        await earlier.migrate()
        waiting = await earlier.comments.submit(held_comment(()))
    finally:
        await earlier.close()
    service = Service(env, tmp_path)
    async with service:
        await eventually(lambda: senders_up(service) == WORKERS, 15)
        await smtpd.wait_for(1, timeout=15)
        await asyncio.sleep(1.0)  # time for a second digest to arrive, if one were written
        assert await service.terminate() == 0
    (digest,) = smtpd.messages
    assert str(digest["Message-ID"]).startswith("<digest-") and str(digest["To"]) == MODERATORS[0]
    assert "/moderate/" in text_of(digest) and waiting
    rows = await db.records(config, "SELECT COUNT(*) AS n FROM outbox WHERE kind = 'digest'")
    assert rows == [{"n": 1}]


def test_a_port_in_use_stops_the_supervisor_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_command(["serve"], workers_env(tmp_path, 2525, PORT=str(port)), tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("moderation: cannot serve: ")
    assert "started worker" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "setting, line",
    [
        ({"WORKERS": "0"}, "moderation: MODERATION_WORKERS: must be a whole number from 1 to 64"),
        ({"WORKERS": "two"}, "moderation: MODERATION_WORKERS: must be a number"),
        (
            {"PORT": "0"},
            "moderation: MODERATION_WORKERS: the workers share one port: set MODERATION_PORT to one (not 0)",
        ),
    ],
)
def test_a_bad_workers_setting_stops_start_up_with_one_line(tmp_path: Path, setting: dict[str, str], line: str) -> None:
    done = run_command(["serve"], workers_env(tmp_path, 2525, **setting), tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == line
