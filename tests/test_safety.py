"""Safe for a health clinic, against the real service: personal details held by their kind and kept
out of mail, webhooks and the audit log, and removed without a trace by `redact`; a reader in
crisis told where to get help at once, the moderators mailed as urgent whatever the mail settings,
and never binned by a spam word or the classifier."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.app_keys import store_key
from moderation.classifier.features import features
from moderation.config import Config
from moderation.store import open_store
from tests.conftest import MODERATORS, PUBLIC_URL, SITE, make_config
from tests.db import records
from tests.factories import comment_data, submit
from tests.moderators import outcome, queue_rows, sign_in
from tests.smtp import SmtpSink, mails_for, text_of
from tests.test_classifier import PLAIN_SPAM, TAUGHT, as_json, of_kind, teach
from tests.waiting import eventually

HOOK = "http://127.0.0.1:9/hooks"  # nothing listens: the rows stay in the outbox to be read
# Details no example set of the detector holds, each a distinct string to look for afterwards.
PHONE = "(617) 253-1000"
EMAIL = "robin.q@harbourmail.example"
STREET = "42 Quarry Lane"
DETAILS = (PHONE, "253-1000", EMAIL, "harbourmail", STREET, "Quarry")
PD_BODY = f"Could the clinic call me back at {PHONE}? Or write to {EMAIL}, I live at {STREET} with my sister."
PD_NAME = f"Robin ({EMAIL})"
REDACTED_BODY = "Could the clinic call me back at [removed]? Or write to [removed], I live at [removed] with my sister."
CRISIS_BODY = "After the last session I feel worse. I have saved up my pills and I want to die tonight."
CRISIS_DE = "Ich kann nicht mehr. Ich will nicht mehr leben."
CRISIS_ES = "Ya no aguanto más, quiero morir."


async def api_token(client: TestClient) -> dict[str, str]:
    token = await client.app[store_key].api_tokens.create("safety-bot")
    return {"Authorization": f"Bearer {token}"}


async def posted(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/comments", json=comment_data(**fields))
    assert response.status == 202, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def no_detail_in(text: str) -> bool:
    return not any(detail in text for detail in DETAILS)


@pytest.fixture
def hooked(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> Config:
    return make_config(tmp_path, smtpd.port, database_url=database_url, webhooks=(HOOK,), webhook_secret="s" * 32)


async def test_personal_details_are_held_by_kind_and_their_values_stay_in_the_queue(
    hooked: Config, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_app(hooked))
    answer = await posted(client, name=PD_NAME, body=PD_BODY)
    assert answer["status"] == "pending"
    assert answer["notice"] == "personal_details" and answer["kinds"] == ["phone", "email", "street_address"]
    assert "message" not in answer
    comment_id = answer["id"]
    ordinary = await posted(client, body="Two sessions a week since 2019, 50 mg, room 101 on the second floor.")
    assert set(ordinary) == {"id", "status", "date", "manage"}  # nothing to say: the answer as always

    # The API: each kind a hold, never a value.
    listed = await client.get("/api/moderation/comments", headers=await api_token(client))
    (held,) = [item for item in (await listed.json())["comments"] if item["id"] == comment_id]
    assert held["holds"] == [
        {"kind": "personal_details", "detail": kind} for kind in ("phone", "email", "street_address")
    ]
    assert held["body"] == PD_BODY  # the moderator's own door shows what was written

    # The moderator mail: markers, and a line that says where the details are.
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    mails = mails_for(smtpd.messages, comment_id)
    for mail in mails:
        whole = mail.as_string()
        assert no_detail_in(text_of(mail)) and no_detail_in(whole), text_of(mail)
        assert "[phone number — see the queue]" in text_of(mail)
        assert "[email address — see the queue]" in text_of(mail)  # in the name as well as the body
        assert "only the queue shows them" in text_of(mail)
        assert "personal details: phone number; personal details: email address" in text_of(mail)

    # The webhook body, the audit log: kinds, no value.
    (hook,) = await records(hooked, "SELECT body FROM webhook_outbox WHERE comment_id = ?", comment_id)
    body = json.loads(hook["body"])
    assert no_detail_in(hook["body"]) and "[street address — see the queue]" in body["body_html"]
    assert body["name"] == "Robin ([email address — see the queue])"
    (entry,) = await records(
        hooked,
        "SELECT r.reason FROM audit_log a JOIN audit_reasons r ON r.entry_id = a.id WHERE a.comment_id = ?",
        comment_id,
    )
    assert entry["reason"].startswith("personal_details: personal details: phone number") and no_detail_in(
        entry["reason"]
    )

    # The queue shows it all, the kinds named, and offers to remove them.
    moderator = await sign_in(client, smtpd)
    rows = queue_rows(await moderator.page())
    assert "personal details: phone number" in rows[comment_id] and PHONE in rows[comment_id]
    assert "Remove the personal details and approve" in rows[comment_id]
    assert "Remove the personal details and approve" not in rows[ordinary["id"]]


async def test_a_crisis_is_told_at_once_in_the_readers_language_or_as_the_operator_wrote_it(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, smtpd.port)))
    english = await posted(client, body=CRISIS_BODY)
    assert english["notice"] == "crisis" and "kinds" not in english
    assert "112 in Europe, 911 in the US" in english["message"] and "988" in english["message"]
    german = await posted(client, body=CRISIS_DE, lang="de")
    assert german["message"].startswith("Wenn Sie jetzt in Gefahr sind") and "0800 111 0 111" in german["message"]
    spanish = await posted(client, body=CRISIS_ES, lang="es")
    assert spanish["message"].startswith("Si estás en peligro ahora") and "024" in spanish["message"]
    both = await posted(client, body=f"{CRISIS_BODY} Please call me at {PHONE}.")
    assert both["notice"] == "crisis" and both["kinds"] == ["phone"]  # crisis wins; the kinds are still said

    own = "Ring the clinic's nurse line at 0800 000 000, day and night."
    configured = make_config(tmp_path / "own", smtpd.port, crisis_message=own)
    other = await aiohttp_client(create_app(configured))
    for lang in ("en", "de", "es"):
        assert (await posted(other, body=CRISIS_DE, lang=lang))["message"] == own


async def test_neither_a_spam_word_nor_the_classifier_nor_the_honeypot_bins_a_crisis(
    tmp_path: Path, smtpd: SmtpSink, database_url: str, aiohttp_client: Any
) -> None:
    config = make_config(
        tmp_path, smtpd.port, database_url=database_url, spam_auto=0.9, burst_cap=None, spam_words=("casino",)
    )
    client = await aiohttp_client(create_app(config))
    store = await open_store(config, time.time, service_links(config))
    try:
        await teach(store, of_kind(TAUGHT, True)[:25] + of_kind(TAUGHT, False)[:25])
    finally:
        await store.close()
    spam = as_json(PLAIN_SPAM)
    binned = await submit(client, **spam)
    in_crisis = await submit(client, **{**spam, "body": f"{spam['body']} casino. {CRISIS_BODY}"})
    honeypot = await client.post("/api/comments", json={**comment_data(body=CRISIS_DE), "homepage": "http://x.example"})
    rows = {
        row["id"]: row
        for row in await records(config, "SELECT id, status, holds, spam_score FROM comments ORDER BY id")
    }
    assert rows[binned]["status"] == "spam"
    crisis = rows[in_crisis]
    assert crisis["status"] == "pending" and crisis["spam_score"] > 0.9  # scored all the same
    holds = [(hold["kind"], hold["detail"]) for hold in json.loads(crisis["holds"])]
    assert [kind for kind, _ in holds[:2]] == ["spam_words", "classifier"]  # every finding listed
    assert holds[2:] == [("crisis", "suicide"), ("crisis", "overdose")]
    assert rows[(await honeypot.json())["id"]]["status"] == "pending"
    urgent = await eventually(lambda: mails_for(smtpd.messages, in_crisis), timeout=15.0)
    assert str(urgent[0]["Subject"]).startswith("Urgent")


async def test_urgent_mail_goes_at_once_with_daily_digests(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    daily = await aiohttp_client(create_app(make_config(tmp_path / "daily", smtpd.port, notify="daily", language="de")))
    quiet = await submit(daily, body="Eine ganz gewöhnliche Frage zur dritten Sitzung.", lang="de")
    crisis = await submit(daily, body=CRISIS_DE, lang="de")
    mails = await eventually(lambda: len(mails_for(smtpd.messages, crisis)) == len(MODERATORS) and smtpd.messages)
    urgent = mails_for(mails, crisis)
    assert sorted(str(mail["To"]) for mail in urgent) == sorted(MODERATORS)
    for mail in urgent:
        assert str(mail["Subject"]).startswith("Urgent — ")  # first, in English, in a German mail too
        assert re.search(r"^Approve: https://comments\.clinic\.example/moderate/", text_of(mail), re.MULTILINE)
        assert CRISIS_DE in text_of(mail)
    assert mails_for(smtpd.messages, quiet) == []  # the daily digest lists that one


async def test_urgent_mail_goes_past_the_burst_cap(tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any) -> None:
    capped = await aiohttp_client(create_app(make_config(tmp_path, smtpd.port, burst_cap=1)))
    first = await submit(capped, body="A first ordinary question about the sessions.")
    await eventually(lambda: len(mails_for(smtpd.messages, first)) == len(MODERATORS))
    folded = await submit(capped, body="A second ordinary question, past the cap.")
    crisis = await submit(capped, body=CRISIS_BODY)
    urgent = await eventually(lambda: len(mails_for(smtpd.messages, crisis)) == len(MODERATORS))
    assert urgent
    assert mails_for(smtpd.messages, folded) == []  # folded into the hour's digest, as the cap says


async def test_the_form_landing_and_the_thank_you_page_show_the_notice_above_the_comment(
    tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, smtpd.port)))
    form = {**comment_data(thread="/", body=f"{CRISIS_ES} Llámenme al móvil 612 345 678."), "lang": "es"}
    back = await client.post(
        "/api/comments",
        data={**form, "return_to": f"{PUBLIC_URL}/?lang=es"},  # the page in Spanish
        headers={"Origin": PUBLIC_URL},
        allow_redirects=False,
    )
    assert back.status == 303
    landing = urlsplit(back.headers["Location"])
    assert landing.fragment == "comment-notice"
    page = await (await client.get(f"{landing.path}?{landing.query}")).text()
    notice = re.search(r'<div class="mod-safety" id="comment-notice">(.*?)</div>\s*<article>', page, re.DOTALL)
    assert notice, page
    assert 'role="alert" tabindex="-1">Si estás en peligro ahora' in notice.group(1)
    assert "Los comentarios son públicos" in notice.group(1) and "número de teléfono" in notice.group(1)

    thanks = await client.post(
        "/api/comments", data=comment_data(body=PD_BODY), headers={"Origin": SITE}, allow_redirects=False
    )
    assert thanks.status == 303 and urlsplit(thanks.headers["Location"]).path == "/thanks"
    page = await (await client.get(thanks.headers["Location"])).text()
    assert (
        "Comments are public. A moderator may remove the personal details (phone number, email address,"
        " street address) before publishing." in page
    )
    assert 'role="alert"' not in page.split("<main", 1)[-1]  # no crisis: no alert
    plain = await client.post("/api/comments", data=comment_data(), headers={"Origin": SITE}, allow_redirects=False)
    assert "mod-safety" not in await (await client.get(plain.headers["Location"])).text()


TABLES = ("comments", "audit_reasons", "outbox", "webhook_outbox", "spam_features")


def dump(path: Path) -> str:
    """Every row of every table, as text."""
    with closing(sqlite3.connect(path)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}"))


async def test_redact_removes_every_detail_and_leaves_no_trace_in_tables_file_wal_or_mail(
    hooked: Config, smtpd: SmtpSink, aiohttp_client: Any
) -> None:
    client = await aiohttp_client(create_app(hooked))
    comment_id = (await posted(client, name=PD_NAME, body=PD_BODY, notify=True))["id"]
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    headers = await api_token(client)
    answer = await client.post(
        "/api/moderation/decide", json={"action": "redact", "ids": [comment_id, 99999]}, headers=headers
    )
    assert answer.status == 200
    assert (await answer.json())["results"] == [
        {"id": comment_id, "outcome": "redacted"},
        {"id": 99999, "outcome": "not_found"},
    ]
    again = await client.post("/api/moderation/decide", json={"action": "redact", "ids": [comment_id]}, headers=headers)
    assert (await again.json())["results"] == [{"id": comment_id, "outcome": "already_approved"}]

    public = await (await client.get("/api/comments", params={"thread": comment_data()["thread"]})).json()
    (shown,) = public["comments"]
    assert shown["name"] == "Robin ([removed])"
    assert shown["body_html"] == f"<p>{REDACTED_BODY}</p>"
    (entry,) = await records(
        hooked,
        "SELECT a.to_status, a.actor, a.channel, r.reason FROM audit_log a JOIN audit_reasons r ON r.entry_id = a.id"
        " WHERE a.comment_id = ? AND a.from_status = 'pending'",
        comment_id,
    )
    assert entry == {
        "to_status": "approved",
        "actor": "safety-bot",
        "channel": "api",
        "reason": "redact: phone, email, street_address",
    }
    # The classifier learned the text published, not the one removed.
    removed_keys = {f.key for f in features(PD_NAME, "", PD_BODY)} - {
        f.key for f in features(shown["name"], "", REDACTED_BODY)
    }
    counted = {row["feature"] for row in await records(hooked, "SELECT feature FROM spam_features")}
    assert removed_keys and not removed_keys & counted

    # The reader's published mail, sent after: no detail in it either.
    published = await eventually(lambda: [m for m in smtpd.messages if "dana.reader@example.com" in str(m["To"])])
    assert all(no_detail_in(mail.as_string()) for mail in smtpd.messages)
    assert published

    for table in TABLES:  # what the text went into, on either database
        rows = await records(hooked, f"SELECT * FROM {table}")
        assert rows and no_detail_in(repr(rows)), table
    path = hooked.sqlite_path
    if path is None:
        return  # PostgreSQL: dead tuples until a VACUUM, which the README explains
    assert no_detail_in(dump(path))
    for file in (path, Path(f"{path}-wal")):  # the bytes, free pages and the WAL included
        if file.exists():
            raw = file.read_bytes()
            assert not any(detail.encode() in raw for detail in DETAILS), file.name


async def test_the_queue_redacts_a_row_and_says_so(tmp_path: Path, smtpd: SmtpSink, aiohttp_client: Any) -> None:
    config = make_config(tmp_path, smtpd.port)
    client = await aiohttp_client(create_app(config))
    comment_id = (await posted(client, body=PD_BODY))["id"]
    moderator = await sign_in(client, smtpd)
    page = await moderator.decide("redact", [comment_id])
    assert outcome(page).startswith("1 approved with the personal details removed.")
    (row,) = await records(config, "SELECT status, body, decided_by FROM comments WHERE id = ?", comment_id)
    assert row == {
        "status": "approved",
        "body": REDACTED_BODY,
        "decided_by": MODERATORS[0],
    }


async def test_a_long_comment_is_read_to_its_end_for_details_and_a_crisis(hooked: Config, aiohttp_client: Any) -> None:
    # Past spam.LONG_TEXT the detectors run on a worker thread: what they find is the same.
    client = await aiohttp_client(create_app(hooked))
    story = "I had six ketamine sessions over three weeks and I feel steadier now. " * 60
    answer = await posted(client, body=f"{story}Please call me back at {PHONE}. I want to end my life.")
    assert len(story) > 4000
    assert answer["notice"] == "crisis" and answer["kinds"] == ["phone"]
