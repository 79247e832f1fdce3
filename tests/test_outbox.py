"""The outbox and the background sender, against real SMTP servers on loopback.

Each test makes the mail server misbehave the way real ones do (gone, hanging, silent,
refusing for a while, refusing for good) or kills the sender, and checks what users see:
every submission is answered at once, and every moderator gets every mail exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import statistics
import time
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.smtp import SMTP, Envelope, Session

from moderation.app import create_app
from moderation.config import Config
from moderation.models import MailKind, NewComment
from moderation.store import Store
from tests import db
from tests.conftest import MODERATORS, free_port, make_config
from tests.db import query, records
from tests.factories import comment_data, submit
from tests.smtp import RecordingHandler, SmtpSink, text_of
from tests.waiting import eventually

# --- helpers -------------------------------------------------------------------------------


def numbered_body(number: int) -> str:
    """A comment body that says which submission it was, so each mail can be traced back."""
    return f"Comment number {number:03d}: the sessions helped me more than I expected."


def number_in(message: EmailMessage) -> int:
    found = re.search(r"Comment number (\d{3})", text_of(message))
    assert found, "the mail does not show the comment"
    return int(found.group(1))


def assert_each_mail_delivered_once(
    messages: list[EmailMessage], numbers: range | list[int], moderators: tuple[str, ...] = MODERATORS
) -> None:
    """Exactly one mail per (comment, moderator): no loss, no copy."""
    message_ids = [str(m["Message-ID"]) for m in messages]
    assert len(message_ids) == len(set(message_ids)), "a Message-ID arrived twice"
    received = sorted((number_in(m), str(m["To"])) for m in messages)
    expected = sorted((number, moderator) for number in numbers for moderator in moderators)
    assert received == expected


async def outbox_rows(config: Config) -> list[dict[str, Any]]:
    return await records(config, "SELECT * FROM outbox ORDER BY id")


async def rows_if(config: Config, condition: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]] | None:
    """The outbox rows once there are some and they meet the condition, else None (for eventually)."""
    rows = await outbox_rows(config)
    return rows if rows and condition(rows) else None


async def backlog(client: TestClient) -> dict[str, Any]:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    return dict(body["outbox"])


async def nothing_pending(client: TestClient) -> bool:
    return (await backlog(client))["pending"] == 0


async def settle_and_count(sink: SmtpSink, count: int) -> list[EmailMessage]:
    """Wait for `count` mails, then a second more for any straggling copy."""
    await sink.wait_for(count)
    await asyncio.sleep(1.0)
    return sink.messages


@contextlib.asynccontextmanager
async def running(sink: SmtpSink) -> AsyncIterator[SmtpSink]:
    await sink.start()
    try:
        yield sink
    finally:
        await sink.stop()


class SilentServer:
    """Accepts TCP connections and never says a word: no greeting, no answer, no close."""

    def __init__(self, port: int):
        self.port = port
        self.connections = 0
        self._transports: list[asyncio.BaseTransport] = []
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        owner = self

        class Silent(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                owner.connections += 1
                owner._transports.append(transport)

        self._server = await asyncio.get_running_loop().create_server(Silent, host="127.0.0.1", port=self.port)

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for transport in self._transports:
            transport.close()
        await self._server.wait_closed()
        self._server = None
        await asyncio.sleep(0)  # let the closed transports finish


class TimedHandler(RecordingHandler):
    """Records when each DATA command came in."""

    def __init__(self) -> None:
        super().__init__()
        self.data_times: list[float] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.data_times.append(time.monotonic())
        return await super().handle_DATA(server, session, envelope)


class DroppingHandler(RecordingHandler):
    """Aborts the connection in the middle of DATA for the messages `drop` picks, as a
    crashing server or a middlebox that dislikes a message does."""

    def __init__(self, drop: Callable[[Envelope], bool]) -> None:
        super().__init__()
        self.drop = drop
        self.dropped: list[tuple[float, str]] = []  # (when, recipient)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.drop(envelope):
            self.dropped.append((time.monotonic(), envelope.rcpt_tos[0]))
            assert server.transport is not None
            server.transport.abort()
            return "421 gone"  # never reaches the client: the connection is already cut
        return await super().handle_DATA(server, session, envelope)


# --- a mail server that is down, hangs or stays silent ---------------------------------------


async def test_dead_smtp_server_slows_no_submission_and_every_mail_goes_out_once_it_is_back(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()  # nothing listens here yet
    config = make_config(tmp_path, port)
    client = await aiohttp_client(create_app(config))

    latencies = []
    for number in range(20):
        started = time.perf_counter()
        response = await client.post("/api/comments", json=comment_data(body=numbered_body(number)))
        latencies.append(time.perf_counter() - started)
        assert response.status == 202, await response.text()
    print(
        f"\nsubmission latency with the SMTP server down: p50 {statistics.median(latencies) * 1000:.1f} ms,"
        f" max {max(latencies) * 1000:.1f} ms"
    )

    # The sender is trying, and failing, in the background; nothing is given up or lost.
    await eventually(lambda: rows_if(config, lambda rows: all(r["attempts"] >= 1 and r["last_error"] for r in rows)))
    assert {row["status"] for row in await outbox_rows(config)} == {"pending"}
    waiting = await backlog(client)
    assert waiting["pending"] == 40
    assert waiting["failed"] == 0

    async with running(SmtpSink(port)) as sink:
        messages = await settle_and_count(sink, 40)
        assert_each_mail_delivered_once(messages, range(20))
        await eventually(lambda: nothing_pending(client))
    assert {row["status"] for row in await outbox_rows(config)} == {"sent"}


async def test_hanging_smtp_server_slows_no_submission_and_each_held_mail_arrives_once(
    client: TestClient, smtpd: SmtpSink
) -> None:
    smtpd.handler.hold.clear()  # DATA gets no answer until the hold is lifted
    await submit(client, body=numbered_body(0))
    await eventually(lambda: smtpd.handler.data_commands >= 1)

    statuses = []
    for number in range(1, 10):
        response = await client.post("/api/comments", json=comment_data(body=numbered_body(number)))
        statuses.append(response.status)
    # All answered while the server was still sitting on the first message.
    assert statuses == [202] * 9
    assert smtpd.handler.data_commands >= 1
    assert smtpd.messages == []

    smtpd.handler.hold.set()
    messages = await settle_and_count(smtpd, 20)
    assert_each_mail_delivered_once(messages, range(10))
    await eventually(lambda: nothing_pending(client))


async def test_server_that_never_greets_is_timed_out_and_retried_and_nothing_is_lost(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()
    silent = SilentServer(port)
    await silent.start()
    try:
        config = make_config(tmp_path, port, smtp_timeout=0.5)
        client = await aiohttp_client(create_app(config))
        for number in range(3):
            response = await client.post("/api/comments", json=comment_data(body=numbered_body(number)))
            assert response.status == 202

        # The sender gives up on each silent session after the timeout and tries again.
        tried = await eventually(lambda: rows_if(config, lambda rows: any(r["attempts"] >= 1 for r in rows)))
        first = [row for row in tried if row["attempts"] >= 1]
        first_attempts = {row["id"]: row["attempts"] for row in first}
        rows = await eventually(
            lambda: rows_if(config, lambda rows: all(r["attempts"] > first_attempts.get(r["id"], 0) for r in rows)),
            timeout=15,
        )
        assert len(rows) == 6
        for row in rows:
            assert row["status"] == "pending"
            assert row["last_error"], "a failed try should say why"
            assert "timeout" in row["last_error"].lower() or "timed out" in row["last_error"].lower()
        assert silent.connections >= 2
        assert (await backlog(client))["pending"] == 6
    finally:
        await silent.stop()

    async with running(SmtpSink(port)) as sink:
        messages = await settle_and_count(sink, 6)
        assert_each_mail_delivered_once(messages, range(3))
        await eventually(lambda: nothing_pending(client))


# --- a mail server that refuses ------------------------------------------------------------


async def test_temporary_refusal_is_retried_with_growing_gaps_until_the_mail_arrives_once(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    sink = SmtpSink(free_port())
    handler = sink.handler = TimedHandler()
    handler.refusals = ["451 4.3.0 try later"] * 3
    moderator = MODERATORS[0]
    async with running(sink):
        config = make_config(tmp_path, sink.port, moderators=(moderator,))
        client = await aiohttp_client(create_app(config))
        await submit(client, body=numbered_body(0))

        messages = await settle_and_count(sink, 1)
        assert_each_mail_delivered_once(messages, [0], (moderator,))
        assert handler.data_commands == 4

        (row,) = await eventually(lambda: rows_if(config, lambda rows: rows[0]["status"] == "sent"))
        assert row["attempts"] == 4
        assert row["last_error"] is None

        gaps = [later - earlier for earlier, later in zip(handler.data_times, handler.data_times[1:], strict=False)]
        assert len(gaps) == 3
        assert gaps[-1] > gaps[0], f"the gaps between tries should grow: {gaps}"
        # Doubling gives a third gap about four times the first; a fixed gap with jitter stays
        # under 1.33 times. 1.5 tells them apart and leaves room for a slow machine.
        assert gaps[-1] > 1.5 * gaps[0], f"the gaps between tries should grow: {gaps}"

        metrics = await (await client.get("/metrics")).text()
        assert "moderation_mail_retried_total 3.0" in metrics
        assert "moderation_mail_sent_total 1.0" in metrics


async def test_permanent_refusal_gives_up_that_mail_only_and_the_queue_keeps_flowing(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    smtpd.handler.refusals = ["550 5.1.1 no such user"]
    await submit(client, body=numbered_body(0))

    # One moderator's mail is refused for good, the other's arrives.
    (delivered,) = await smtpd.wait_for(1)
    rows = await eventually(lambda: rows_if(config, lambda rows: all(r["status"] != "pending" for r in rows)))
    (failed,) = [row for row in rows if row["status"] == "failed"]
    assert "550" in failed["last_error"]
    assert failed["attempts"] == 1
    assert str(delivered["To"]) in MODERATORS and str(delivered["To"]) != db.recipient(config, failed)

    # ... and it is not tried again.
    tries = smtpd.handler.data_commands
    assert tries == 2
    await asyncio.sleep(1.5)
    assert smtpd.handler.data_commands == tries

    # Later comments still reach both moderators.
    for number in (1, 2):
        await submit(client, body=numbered_body(number))
    messages = await settle_and_count(smtpd, 5)
    later = [m for m in messages if number_in(m) != 0]
    assert_each_mail_delivered_once(later, [1, 2])
    assert [str(m["To"]) for m in messages if number_in(m) == 0] == [str(delivered["To"])]

    await eventually(lambda: nothing_pending(client))
    assert (await backlog(client))["failed"] == 1
    metrics = await (await client.get("/metrics")).text()
    assert "moderation_mail_failed_total 1.0" in metrics
    assert "moderation_outbox_failed 1.0" in metrics


# --- a sender that stops or dies -----------------------------------------------------------


async def test_mail_queued_before_a_restart_is_sent_once_by_the_next_instance(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()  # the mail server is down while the first instance runs
    config = make_config(tmp_path, port)
    first = await aiohttp_client(create_app(config))
    for number in range(3):
        await submit(first, body=numbered_body(number))
    await eventually(lambda: rows_if(config, lambda rows: all(r["attempts"] >= 1 for r in rows)))
    await first.close()  # the app shuts down: sender stopped, store closed
    assert {row["status"] for row in await outbox_rows(config)} == {"pending"}

    async with running(SmtpSink(port)) as sink:
        second = await aiohttp_client(create_app(config))
        messages = await settle_and_count(sink, 6)
        assert_each_mail_delivered_once(messages, range(3))
        await eventually(lambda: nothing_pending(second))


async def test_rows_left_claimed_by_a_dead_sender_are_released_at_start_and_sent(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()
    config = make_config(tmp_path, port)
    first = await aiohttp_client(create_app(config))
    for number in range(3):
        await submit(first, body=numbered_body(number))
    await first.close()

    # What a sender killed mid-batch leaves behind: claims that run far into the future.
    await query(config, "UPDATE outbox SET claimed_by = ? WHERE status = 'pending'", "a-sender-that-died")
    rows = await outbox_rows(config)
    assert len(rows) == 6
    assert all(row["status"] == "pending" and row["claimed_by"] == "a-sender-that-died" for row in rows)

    async with running(SmtpSink(port)) as sink:
        second = await aiohttp_client(create_app(config))
        messages = await settle_and_count(sink, 6)
        assert_each_mail_delivered_once(messages, range(3))
        await eventually(lambda: nothing_pending(second))


# --- one mail that cannot be sent must not hold up the others -------------------------------


async def test_a_mail_that_cannot_be_composed_does_not_hold_up_the_backlog_behind_it(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    port = free_port()  # an outage: mail piles up
    config = make_config(tmp_path, port)
    first = await aiohttp_client(create_app(config))
    # A page path with U+2028 (LINE SEPARATOR), as a row written before paths were checked for
    # it would have: with no title, the path is what names the page in the mail.
    odd = await first.post("/api/comments", json=comment_data(thread="/odd-page/", title="", body=numbered_body(0)))
    assert odd.status == 202
    await query(config, "UPDATE threads SET key = ? WHERE key = '/odd-page/'", "/odd\u2028page/")
    for number in range(1, 4):
        await submit(first, body=numbered_body(number))
    await first.close()

    # The backlog after the outage: everything is due at once, oldest first.
    await query(config, "UPDATE outbox SET next_attempt_at = ?", time.time() - 1)

    async with running(SmtpSink(port)) as sink:
        second = await aiohttp_client(create_app(config))
        # Until nothing waits: every mail either went out or was given up on.
        with contextlib.suppress(TimeoutError):
            await eventually(lambda: nothing_pending(second), timeout=20)
        await asyncio.sleep(1.0)
        messages = sink.messages
        received = sorted((number_in(m), str(m["To"])) for m in messages)
        # The ordinary comments' mails must not wait behind the odd one ...
        ordinary = [pair for pair in received if pair[0] != 0]
        assert ordinary == [(number, moderator) for number in (1, 2, 3) for moderator in MODERATORS], (
            f"mails of ordinary comments held up behind the odd one; received: {received}"
        )
        assert_each_mail_delivered_once([m for m in messages if number_in(m) != 0], [1, 2, 3])
        # ... and the odd one reaches its moderators too, or at least is reported as given up.
        odd_mails = [m for m in messages if number_in(m) == 0]
        if len(odd_mails) != len(MODERATORS):
            waiting = await backlog(second)
            assert waiting["failed"] == len(MODERATORS) - len(odd_mails), (
                f"the odd comment's mails were neither sent nor given up: {received}, outbox {waiting}"
            )
        else:
            assert_each_mail_delivered_once(odd_mails, [0])


# --- a session that breaks while a mail is in flight ------------------------------------------


async def test_a_session_dropped_during_data_costs_the_mail_in_flight_one_try_and_both_mails_arrive_soon(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    handler = DroppingHandler(lambda envelope: not handler.dropped)  # the first DATA only
    sink = SmtpSink(free_port())
    sink.handler = handler
    async with running(sink):
        config = make_config(tmp_path, sink.port)
        client = await aiohttp_client(create_app(config))
        await submit(client, body=numbered_body(0))

        await sink.wait_for(2)
        (dropped_at, in_flight), *_ = handler.dropped
        # Within the back-off cap of the drop, not after a lease or a restart.
        assert time.monotonic() - dropped_at < config.retry_cap + 1.0
        messages = await settle_and_count(sink, 2)
        assert_each_mail_delivered_once(messages, [0])

    rows = {db.recipient(config, row): row for row in await outbox_rows(config)}
    assert {row["status"] for row in rows.values()} == {"sent"}
    # The mail in flight counts the broken try; the one behind it was not tried, and counts none.
    assert rows.pop(in_flight)["attempts"] == 2
    assert [row["attempts"] for row in rows.values()] == [1]


async def test_a_mail_that_breaks_the_session_every_time_is_given_up_and_the_others_still_go_out(
    aiohttp_client,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    poison = numbered_body(0).encode()
    handler = DroppingHandler(lambda envelope: poison in (envelope.original_content or b""))
    sink = SmtpSink(free_port())
    sink.handler = handler
    async with running(sink):
        config = make_config(tmp_path, sink.port, mail_max_age=1.5)
        client = await aiohttp_client(create_app(config))
        for number in range(3):
            await submit(client, body=numbered_body(number))

        rows = await eventually(
            lambda: rows_if(config, lambda rows: all(row["status"] != "pending" for row in rows)), timeout=15
        )
        failed = [row for row in rows if row["status"] == "failed"]
        assert len(failed) == len(MODERATORS)
        assert all(row["attempts"] >= 2 and "Disconnected" in row["last_error"] for row in failed)
        assert len(handler.dropped) == sum(row["attempts"] for row in failed)
        assert_each_mail_delivered_once(await settle_and_count(sink, 4), [1, 2])

        assert (await backlog(client))["failed"] == len(MODERATORS)
        metrics = await (await client.get("/metrics")).text()
        assert f"moderation_mail_failed_total {len(MODERATORS)}.0" in metrics


async def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    aiohttp_client,
    tmp_path,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    caplog.set_level(logging.DEBUG, logger="moderation.mail.sender")
    port = free_port()  # nothing listens here yet
    config = make_config(tmp_path, port)
    client = await aiohttp_client(create_app(config))
    for number in range(10):
        await submit(client, body=numbered_body(number))
    # Every mail tried and failed at least three times over.
    await eventually(lambda: rows_if(config, lambda rows: all(row["attempts"] >= 3 for row in rows)))

    def lines(level: int) -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "moderation.mail.sender" and r.levelno == level]

    (warning,) = lines(logging.WARNING)
    assert f"127.0.0.1:{port} cannot be reached" in warning
    waiting = re.search(r"(\d+) mails wait", warning)
    assert waiting and 2 <= int(waiting.group(1)) <= 20
    assert len([line for line in lines(logging.DEBUG) if "not sent" in line]) >= 60

    async with running(SmtpSink(port)) as sink:
        await settle_and_count(sink, 20)
        await eventually(lambda: nothing_pending(client))
    assert lines(logging.WARNING) == [warning]
    assert [line for line in lines(logging.INFO) if "answers again" in line] == [
        f"outbox: the mail server 127.0.0.1:{port} answers again; 20 mails wait"
    ]


# --- claims: held by a sender while it is seen alive -------------------------------------------


async def test_claims_of_a_silent_sender_are_free_again_and_those_of_a_live_one_are_not(
    store: Store, config: Config
) -> None:
    comment = NewComment(
        thread="/page/", title="", name="Dana", email="dana@example.com", website="", body="Hi", body_html="<p>Hi</p>",
        avatar="0" * 32,
    )  # fmt: skip
    await store.comments.submit(comment)
    for sender in ("alive", "dying", "newcomer", "latecomer"):
        await store.mail.heartbeat(sender, forget_after=86400)

    (held,) = await store.mail.claim("alive", silent_after=10, limit=1)
    (taken,) = await store.mail.claim("dying", silent_after=10, limit=10)
    assert held.id != taken.id
    assert await store.mail.claim("newcomer", silent_after=10, limit=10) == []

    # "dying" stops beating: after the silence its claim is anyone's, "alive"'s stays put.
    await query(config, "UPDATE senders SET seen_at = seen_at - 11 WHERE id = 'dying'")
    assert [n.id for n in await store.mail.claim("newcomer", silent_after=10, limit=10)] == [taken.id]

    # A sender that signs off frees its claims at once.
    await store.mail.sign_off("alive")
    assert [n.id for n in await store.mail.claim("latecomer", silent_after=10, limit=10)] == [held.id]


async def test_a_mail_with_a_dedupe_key_is_written_once_however_often_it_is_asked_for(store: Store) -> None:
    payload = {"period": "2026-11-27T10:00Z"}
    written = [await store.mail.add(MailKind.NEW_COMMENT, MODERATORS[0], payload, dedupe="digest:a:10") for _ in "ab"]
    assert written == [True, False]
    assert await store.mail.add(MailKind.NEW_COMMENT, MODERATORS[0], payload)  # no key: no limit
    await store.mail.heartbeat("sender", forget_after=86400)
    claimed = await store.mail.claim("sender", silent_after=10, limit=10)
    assert [(n.recipient, n.payload, n.comment) for n in claimed] == [(MODERATORS[0], payload, None)] * 2
