"""The service as an operator runs it: a real process, killed, restarted, misconfigured.

Every test here starts `python -m moderation serve` (or `migrate`) as a child process on
loopback, with its own SQLite file, and talks to it over real TCP and real SMTP.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sqlite3
import time
from collections import Counter
from contextlib import closing
from email.message import EmailMessage
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest

from moderation.config import ROOT
from tests.conftest import MODERATORS, free_port
from tests.factories import comment_data
from tests.service import Service, generated_keys, run_command, running, service_env
from tests.smtp import SmtpSink, link_path, mails_for
from tests.waiting import eventually

MIGRATION_FILES = sorted(path.name for path in (ROOT / "migrations" / "sqlite").glob("*.sql"))


# --- helpers -------------------------------------------------------------------------------


def query(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the service's SQLite file the way an operator would, with the sqlite3 module."""
    assert database.exists(), f"{database} does not exist"
    with closing(sqlite3.connect(database)) as db:
        return db.execute(sql, params).fetchall()


def outbox_unsent(database: Path) -> int:
    return query(database, "SELECT COUNT(*) FROM outbox WHERE status != 'sent'")[0][0]


async def post_comment(session: aiohttp.ClientSession, service: Service, **overrides: Any) -> int:
    async with session.post(service.url + "/api/comments", json=comment_data(**overrides)) as response:
        assert response.status == 202, await response.text()
        return int((await response.json())["id"])


def deliveries(messages: list[EmailMessage]) -> list[tuple[int, str]]:
    """(comment id, recipient) of every message received, copies included."""
    found = []
    for message in messages:
        match = re.match(r"<comment-(\d+)\.", str(message["Message-ID"]))
        assert match, f"unexpected Message-ID {message['Message-ID']}"
        found.append((int(match.group(1)), str(message["To"])))
    return found


def assert_every_mail_arrived_with_at_most(messages: list[EmailMessage], comment_ids: list[int], extra: int) -> None:
    expected = {(comment_id, moderator) for comment_id in comment_ids for moderator in MODERATORS}
    assert set(deliveries(messages)) == expected
    message_ids = Counter(str(m["Message-ID"]) for m in messages)
    assert len(message_ids) == len(expected), "one Message-ID per (comment, moderator)"
    copies = sum(message_ids.values()) - len(message_ids)
    assert copies <= extra, f"{copies} copies re-sent, at most {extra} allowed: {message_ids}"


class Page(HTMLParser):
    """What a browser would find on a page: its forms (with their inputs) and its links."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                {"action": attributes.get("action", ""), "method": attributes.get("method", "get"), "inputs": {}}
            )
        elif tag in ("input", "textarea") and self.forms and "name" in attributes:
            self.forms[-1]["inputs"][attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])


# --- kill -9 -------------------------------------------------------------------------------


async def test_kill_9_with_a_mail_in_flight_loses_no_mail_and_resends_at_most_that_one(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    smtpd.handler.hold.clear()  # the server takes the message and never answers DATA
    env = service_env(tmp_path, smtp_port=smtpd.port)
    async with running(env, tmp_path) as service:
        async with aiohttp.ClientSession() as session:
            comment_ids = [await post_comment(session, service, name=f"Reader {n}") for n in range(5)]
        await eventually(lambda: smtpd.handler.data_commands >= 1, 15)  # the first mail is in flight
        await service.kill9()
        assert service.returncode == -9
    assert len(query(service.database, "SELECT id FROM comments")) == 5
    await smtpd.stop()
    before = list(smtpd.messages)  # whatever the first server took before it went away

    sink = SmtpSink(smtpd.port)  # a mail server that works, on the same address
    await sink.start()
    try:
        async with running(env, tmp_path) as restarted:
            await sink.wait_for(10, timeout=30)
            await eventually(lambda: outbox_unsent(restarted.database) == 0, 15)
            assert await restarted.terminate() == 0
        assert_every_mail_arrived_with_at_most(before + sink.messages, comment_ids, extra=1)
    finally:
        await sink.stop()


async def test_kill_9_right_after_each_202_loses_nothing_over_twenty_restarts(tmp_path: Path, smtpd: SmtpSink) -> None:
    env = service_env(tmp_path, smtp_port=smtpd.port)
    comment_ids = []
    kills = 20
    for n in range(kills):
        async with running(env, tmp_path) as service:
            async with aiohttp.ClientSession() as session:
                comment_ids.append(await post_comment(session, service, name=f"Reader {n}"))
            await service.kill9()
        assert service.returncode == -9

    stored = [row[0] for row in query(service.database, "SELECT id FROM comments ORDER BY id")]
    assert stored == sorted(comment_ids), "every 202 survived the kill"
    async with running(env, tmp_path) as service:
        await smtpd.wait_for(2 * kills, timeout=30)
        await eventually(lambda: outbox_unsent(service.database) == 0, 15)
        assert await service.terminate() == 0
    assert_every_mail_arrived_with_at_most(smtpd.messages, comment_ids, extra=kills)


# --- SIGTERM -------------------------------------------------------------------------------


async def test_sigterm_with_submissions_in_flight_keeps_every_202_and_exits_0_within_10_s(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    env = service_env(tmp_path, smtp_port=smtpd.port)
    first_answer = asyncio.Event()
    async with running(env, tmp_path) as service:

        async def submit(session: aiohttp.ClientSession, n: int) -> tuple[int | None, Any]:
            try:
                async with session.post(
                    service.url + "/api/comments", json=comment_data(name=f"Reader {n}")
                ) as response:
                    first_answer.set()
                    body = (
                        await response.json() if response.content_type == "application/json" else await response.text()
                    )
                    return response.status, body
            except aiohttp.ClientError as error:  # refused or cut off by the shutdown: no answer at all
                return None, repr(error)

        connector = aiohttp.TCPConnector(limit=30)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=20)) as session:
            tasks = [asyncio.create_task(submit(session, n)) for n in range(30)]
            await first_answer.wait()
            service.send_sigterm()
            signalled = time.monotonic()
            results = await asyncio.gather(*tasks)
        code = await service.wait(max(0.1, 10 - (time.monotonic() - signalled)))
    assert code == 0, service.output()

    answered = [(status, body) for status, body in results if status is not None]
    assert answered, "at least the first submission was answered"
    assert all(status == 202 for status, _ in answered), answered
    accepted = {body["id"] for _, body in answered}
    stored = {row[0] for row in query(service.database, "SELECT id FROM comments")}
    assert accepted <= stored, f"accepted but lost: {sorted(accepted - stored)}"
    notified = Counter(row[0] for row in query(service.database, "SELECT comment_id FROM outbox"))
    assert all(notified[comment_id] == len(MODERATORS) for comment_id in accepted)
    assert "Traceback" not in service.output()


# --- migrate -------------------------------------------------------------------------------


def test_migrate_creates_the_database_then_has_nothing_left_to_apply(tmp_path: Path) -> None:
    database = tmp_path / "fresh" / "folder" / "comments.sqlite3"
    env = service_env(tmp_path, DATABASE_URL=f"sqlite:///{database}")

    first = run_command(["migrate"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert database.exists()
    for name in MIGRATION_FILES:
        assert name in first.stdout

    second = run_command(["migrate"], env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert "nothing" in second.stdout.lower()
    assert not any(name in second.stdout for name in MIGRATION_FILES)

    ledger = [row[0] for row in query(database, "SELECT name FROM schema_migrations ORDER BY name")]
    assert ledger == MIGRATION_FILES
    assert "Traceback" not in first.stderr + second.stderr


# --- configuration -------------------------------------------------------------------------


def network_address() -> str:
    """An address of this machine that other machines reach (no packet is sent to find it)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
            return str(probe.getsockname()[0])
    except OSError:  # no network at all: every IPv6 address, which is not loopback either
        return "::"


OWN = generated_keys()  # production refuses every key written in the repository
BAD_SETTINGS = {
    "port not a number": ({"PORT": "abc"}, "MODERATION_PORT"),
    "unknown TLS mode": ({"SMTP_TLS": "maybe"}, "MODERATION_SMTP_TLS"),
    "unreadable rate limit": ({"RATE_LIMIT": "lots"}, "MODERATION_RATE_LIMIT"),
    "moderator not an address": ({"MODERATORS": "not-an-address"}, "MODERATION_MODERATORS"),
    "unsupported database": ({"DATABASE_URL": "mysql://x"}, "MODERATION_DATABASE_URL"),
    "production without a secret key": ({"ENV": "production", "SECRET_KEY": None}, "MODERATION_SECRET_KEY"),
    "production without an SMTP host": ({"ENV": "production", "SMTP_HOST": None}, "MODERATION_SMTP_HOST"),
    "production without data keys": (
        {"ENV": "production", "SECRET_KEY": OWN["SECRET_KEY"], "INDEX_KEY": OWN["INDEX_KEY"]},
        "MODERATION_DATA_KEYS",
    ),
    "production without an index key": (
        {"ENV": "production", "SECRET_KEY": OWN["SECRET_KEY"], "DATA_KEYS": OWN["DATA_KEYS"]},
        "MODERATION_INDEX_KEY",
    ),
    "production with the test suite's secret key": (
        {"ENV": "production", "DATA_KEYS": OWN["DATA_KEYS"], "INDEX_KEY": OWN["INDEX_KEY"]},
        "MODERATION_SECRET_KEY",
    ),
    "the dev mailbox on every address": ({"HOST": "0.0.0.0", "SMTP_HOST": None}, "MODERATION_SMTP_HOST"),
    "the dev mailbox on an address of the network": (
        {"HOST": network_address(), "SMTP_HOST": None},
        "MODERATION_SMTP_HOST",
    ),
    "a data key that is not 32 bytes": ({"DATA_KEYS": "k1:c2hvcnQ="}, "MODERATION_DATA_KEYS"),
    "a words file that is not there": ({"SPAM_WORDS": "@/nonexistent/spam-words.txt"}, "MODERATION_SPAM_WORDS"),
}


@pytest.mark.parametrize("settings, variable", BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_a_bad_setting_stops_serve_with_one_line_naming_the_variable(
    tmp_path: Path, settings: dict[str, str | None], variable: str
) -> None:
    env = service_env(tmp_path, smtp_port=free_port(), **settings)
    started = time.monotonic()
    result = run_command(["serve"], env, tmp_path, timeout=10)
    assert time.monotonic() - started < 5
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_database_path_that_cannot_be_created_stops_the_command_with_one_line_and_no_traceback(
    tmp_path: Path, command: str
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be\n")
    env = service_env(tmp_path, smtp_port=free_port(), DATABASE_URL=f"sqlite:///{blocker}/comments.sqlite3")
    started = time.monotonic()
    result = run_command([command], env, tmp_path, timeout=10)
    assert time.monotonic() - started < 5
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("moderation: ") and str(blocker) in last, result.stderr


# --- the generated secret key --------------------------------------------------------------


async def test_without_a_secret_key_one_is_generated_beside_the_database_with_a_warning_and_kept(
    tmp_path: Path, smtpd: SmtpSink
) -> None:
    env = service_env(tmp_path, smtp_port=smtpd.port, SECRET_KEY=None)
    key_file = tmp_path / "secret_key"  # the data folder is the SQLite file's folder
    async with running(env, tmp_path) as service:
        assert key_file.exists()
        key = key_file.read_text().strip()
        assert len(key) >= 32
        async with aiohttp.ClientSession() as session:
            comment_id = await post_comment(session, service, name="Before Restart")
        mail = mails_for(await smtpd.wait_for(2), comment_id)[0]
        assert await service.terminate() == 0
    warnings = [line for line in service.stderr.splitlines() if "WARNING" in line and "MODERATION_SECRET_KEY" in line]
    assert len(warnings) == 1, service.output()
    assert key not in service.output()  # the log names the file, never the key

    async with running(env, tmp_path) as restarted:
        assert key_file.read_text().strip() == key
        async with aiohttp.ClientSession() as session:
            async with session.post(restarted.url + link_path(mail, "approve")) as response:
                assert response.status == 200
                assert "Comment approved" in await response.text()
            async with session.get(
                restarted.url + "/api/comments", params={"thread": comment_data()["thread"]}
            ) as response:
                assert [c["name"] for c in (await response.json())["comments"]] == ["Before Restart"]


async def test_every_file_in_the_data_folder_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = service_env(data, SMTP_HOST=None, SMTP_TLS=None, SECRET_KEY=None)  # keys and mail in the data folder
    async with running(env, tmp_path) as service, aiohttp.ClientSession() as session:
        await post_comment(session, service)
        await eventually(lambda: list((data / "mailbox").glob("*")), timeout=10.0)
        files = {path.name: path.stat().st_mode for path in data.rglob("*")}
        assert {"comments.sqlite3", "comments.sqlite3-wal", "comments.sqlite3-shm"} <= set(files), files
        assert {"secret_key", "data_keys", "index_key", "mailbox"} <= set(files), files
        open_to_others = {name: oct(mode & 0o777) for name, mode in files.items() if mode & 0o077}
        assert open_to_others == {}


# --- the dev mailbox -----------------------------------------------------------------------


async def test_newcomer_posts_on_the_demo_article_approves_from_the_dev_mailbox_and_sees_the_comment(
    tmp_path: Path,
) -> None:
    env = service_env(tmp_path, SMTP_HOST=None, SMTP_TLS=None)
    assert "MODERATION_PUBLIC_URL" not in env and "MODERATION_SMTP_PORT" not in env
    text = "Six sessions in, and the mornings are easier."
    async with running(env, tmp_path) as service, aiohttp.ClientSession() as session:
        async with session.get(service.url + "/") as response:
            assert response.status == 200
            article = await response.text()
        assert "<article" in article and "Leave a Reply" in article
        assert text not in article
        (form,) = [f for f in Page(article).forms if f["action"] == "/api/comments"]
        assert form["method"] == "post"
        fields = {name: form["inputs"][name] for name in ("thread", "title", "return_to")}
        fields.update(name="Dana Newcomer", email="dana.newcomer@example.com", website="", body=text)

        async with session.post(
            urljoin(service.url + "/", form["action"]), data=fields, allow_redirects=False
        ) as response:
            assert response.status == 303, await response.text()
            back = urlsplit(urljoin(service.url + "/", response.headers["Location"]))
        assert (back.netloc, back.path, back.fragment) == (f"127.0.0.1:{service.port}", "/", "comment-pending")

        async def mailbox_with_every_mail() -> str:
            async with session.get(service.url + "/dev/mailbox") as response:
                assert response.status == 200
                page = await response.text()
            return page if page.count('<article class="mail">') >= len(MODERATORS) else ""

        page = await eventually(mailbox_with_every_mail, timeout=15, interval=0.1)
        assert page.count('<article class="mail">') == len(MODERATORS)
        for moderator in MODERATORS:
            assert f"To {moderator}" in page
        approve_links = [unescape(href) for href in re.findall(r'Approve: <a href="([^"]+)"', page)]
        assert len(approve_links) == len(MODERATORS)
        assert all(link.startswith(f"{service.url}/moderate/") for link in approve_links)
        assert all(link in Page(page).links for link in approve_links)  # clickable, not just text

        link = approve_links[0]
        async with session.get(link) as response:
            assert response.status == 200
            confirm = await response.text()
        (button,) = Page(confirm).forms
        assert button["method"] == "post"
        async with session.post(urljoin(link, button["action"])) as response:
            assert response.status == 200
            assert "Comment approved" in await response.text()

        async with session.get(service.url + "/") as response:
            article = await response.text()
        assert text in article and "Dana Newcomer" in article
        assert "dana.newcomer@example.com" not in article


async def test_dev_mailbox_is_not_there_when_a_real_smtp_server_is_configured(tmp_path: Path, smtpd: SmtpSink) -> None:
    env = service_env(tmp_path, smtp_port=smtpd.port)
    async with running(env, tmp_path) as service, aiohttp.ClientSession() as session:
        async with session.get(service.url + "/dev/mailbox") as response:
            assert response.status == 404


# --- addresses in the log ------------------------------------------------------------------

CANARY = "canary.7f3a@example.com"


@pytest.mark.parametrize("mail", ["smtp server", "dev mailbox"])
async def test_log_never_shows_a_commenter_or_moderator_address(tmp_path: Path, smtpd: SmtpSink, mail: str) -> None:
    if mail == "smtp server":
        env = service_env(tmp_path, smtp_port=smtpd.port)
    else:
        env = service_env(tmp_path, SMTP_HOST=None, SMTP_TLS=None)
    async with running(env, tmp_path) as service:
        async with aiohttp.ClientSession() as session:
            await post_comment(session, service, email=CANARY)
            async with session.post(
                service.url + "/api/comments", json=comment_data(email=CANARY, body="")
            ) as response:
                assert response.status == 422  # a refused one too
            sent = "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
            await eventually(lambda: query(service.database, sent)[0][0] == len(MODERATORS), 15)
        if mail == "smtp server":
            assert len(smtpd.messages) == len(MODERATORS)
        assert await service.terminate() == 0
    log = service.output()
    assert "outbox: sent new_comment mail" in log  # the log was written, at INFO level
    for address in (CANARY, *MODERATORS):
        assert address not in log
    assert "canary.7f3a" not in log
