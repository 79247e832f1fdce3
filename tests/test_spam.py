"""Spam checks, one by one and together: spam is kept and never emailed, holds are flagged."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from babel.support import NullTranslations

from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.i18n import Language
from moderation.spam import Screening, Severity, SpamGuard
from moderation.store import Store, open_store
from moderation.tokens import FormStamp
from moderation.validation import Submission, parse_submission
from tests.conftest import MODERATORS, PUBLIC_URL, SITE, make_config
from tests.db import records
from tests.factories import comment_data, submit
from tests.smtp import SmtpSink, mails_for, text_of

SECRET = "a test secret that is long enough"


def submission(**overrides: Any) -> Submission:
    parsed = parse_submission(comment_data(**overrides), Language("en", NullTranslations()))
    assert isinstance(parsed, Submission), parsed
    return parsed


def guard(store: Store, now: float = 1_000_000.0, **options: Any) -> SpamGuard:
    return SpamGuard(store.comments.has_body, FormStamp(SECRET, clock=lambda: now), **options)


async def outbox_for(config: Config, comment_id: int) -> list[dict[str, Any]]:
    """The mails written for a comment, one row per recipient."""
    return await records(config, "SELECT * FROM outbox WHERE comment_id = ? ORDER BY id", comment_id)


def stamp_from(seconds_ago: float, now: float = 1_000_000.0) -> str:
    return FormStamp(SECRET, clock=lambda: now - seconds_ago).issue()


async def test_honeypot_filled_is_spam(store: Store) -> None:
    check = guard(store).honeypot
    assert await check(Screening(submission(), honeypot="")) is None
    found = await check(Screening(submission(), honeypot="http://cheap-pills.example"))
    assert found is not None and found.severity is Severity.SPAM


async def test_form_stamp_too_fast_forged_or_very_old(store: Store) -> None:
    check = guard(store).form_timing
    assert await check(Screening(submission())) is None  # API clients never saw a form
    assert await check(Screening(submission(), stamp=stamp_from(30))) is None
    too_fast = await check(Screening(submission(), stamp=stamp_from(1)))
    assert too_fast is not None and too_fast.severity is Severity.SPAM
    forged = await check(Screening(submission(), stamp=FormStamp("other secret").issue()))
    assert forged is not None and forged.severity is Severity.SPAM
    stale = await check(Screening(submission(), stamp=stamp_from(5 * 86400)))
    assert stale is not None and stale.severity is Severity.HOLD


async def test_same_text_on_the_same_page_is_spam_elsewhere_it_is_not(client: TestClient, store: Store) -> None:
    body = "Great article, thanks for sharing!"
    await submit(client, body=body)
    check = guard(store).duplicate
    again = await check(Screening(submission(body=body)))
    assert again is not None and again.severity is Severity.SPAM
    assert await check(Screening(submission(body=body, thread="/another-page/"))) is None
    assert await check(Screening(submission(body="Something new."))) is None


async def test_many_links_hold_for_a_closer_look(store: Store) -> None:
    check = guard(store, max_links=2).links
    assert await check(Screening(submission(body="see https://a.example and https://b.example"))) is None
    found = await check(Screening(submission(body="https://a.example https://b.example www.c.example")))
    assert found is not None and found.severity is Severity.HOLD and "3 links" in found.reason


async def test_blocklist_is_spam_and_matches_whole_words_only(store: Store) -> None:
    check = guard(store, blocklist=("casino", "pills.example")).blocklisted
    assert await check(Screening(submission(body="Best CASINO bonus"))) is not None
    assert await check(Screening(submission(website="https://pills.example/buy"))) is not None
    assert await check(Screening(submission(body="occasionally I feel better"))) is None


async def test_hold_words_flag_without_binning(store: Store) -> None:
    check = guard(store, hold_words=("dosage",)).hold_words
    found = await check(Screening(submission(body="What dosage did you get?")))
    assert found is not None and found.severity is Severity.HOLD


async def test_checks_run_in_order_and_spam_wins_over_holds(store: Store) -> None:
    spam_guard = guard(store, hold_words=("dosage",), blocklist=("casino",), max_links=0)
    assert [check.__name__ for check in spam_guard.checks] == [
        "honeypot",
        "form_timing",
        "duplicate",
        "links",
        "blocklisted",
        "hold_words",
    ]
    held = await spam_guard.screen(Screening(submission(body="dosage at https://x.example")))
    assert not held.spam and len(held.reasons) == 2
    binned = await spam_guard.screen(Screening(submission(body="casino dosage https://x.example")))
    assert binned.spam and binned.reasons == ("contains the blocked word 'casino'",)


async def test_spam_gets_the_same_answer_is_kept_as_spam_and_never_emailed(
    aiohttp_client,
    tmp_path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    config = make_config(tmp_path, smtpd.port, blocklist=("casino",))
    client = await aiohttp_client(create_app(config))
    spam = await client.post("/api/comments", json=comment_data(body="Visit my casino"))
    honest = await client.post("/api/comments", json=comment_data(body="Thank you for this."))
    assert spam.status == honest.status == 202
    spam_body, honest_body = await spam.json(), await honest.json()
    assert spam_body.keys() == honest_body.keys() and spam_body["status"] == "pending"

    # The outbox is written with the comment, so what it holds now is every mail there will be.
    assert await outbox_for(config, spam_body["id"]) == []
    rows = await outbox_for(config, honest_body["id"])
    assert sorted(config.sealer().open(row["recipient"], "outbox", "recipient", row["id"]) for row in rows) == sorted(
        MODERATORS
    )
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        kept = await store.comments.get(spam_body["id"])
    finally:
        await store.close()
    assert kept is not None and kept.status == "spam" and "casino" in kept.flags
    metrics = await (await client.get("/metrics")).text()
    assert "moderation_comments_spam_total 1.0" in metrics


async def test_form_with_the_honeypot_filled_is_answered_like_any_other(client: TestClient, config: Config) -> None:
    form = comment_data(homepage="http://bot.example", return_to=f"{SITE}/page/")
    response = await client.post("/api/comments", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"].startswith(f"{SITE}/page/?pending=")
    assert response.headers["Location"].endswith("#comment-pending")
    assert await records(config, "SELECT status FROM comments") == [{"status": "spam"}]
    assert await records(config, "SELECT * FROM outbox") == []


async def test_held_comment_email_says_why_it_deserves_a_closer_look(
    aiohttp_client,
    tmp_path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, smtpd.port, hold_words=("dosage",))))
    comment_id = await submit(client, body="Which dosage is usual?")
    mail = mails_for(await smtpd.wait_for(2), comment_id)[0]
    assert "Worth a closer look: contains 'dosage'." in text_of(mail)


async def test_the_pages_issue_a_form_stamp_and_a_hidden_honeypot(client: TestClient) -> None:
    for path in ("/", "/embed?thread=/a/"):
        page = await (await client.get(path)).text()
        assert 'name="issued" value="' in page
        assert 'name="homepage"' in page and 'tabindex="-1"' in page
    response = await client.get("/api/comments/form")
    assert response.headers["Cache-Control"] == "no-store"
    issued = (await response.json())["issued"]
    assert FormStamp(SECRET).age(issued) < 5


async def test_a_form_posted_a_second_after_it_was_shown_is_spam(client: TestClient, config: Config) -> None:
    page = await (await client.get("/embed", params={"thread": "/a/"})).text()
    issued = page.split('name="issued" value="')[1].split('"')[0]
    response = await client.post("/api/comments", json=comment_data(thread="/a/", issued=issued))
    assert response.status == 202
    assert await outbox_for(config, (await response.json())["id"]) == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
@pytest.mark.parametrize("kind", ["form", "json", "text"])
async def test_posts_from_other_sites_are_refused_whatever_the_content_type(
    client: TestClient, headers: dict[str, str], kind: str
) -> None:
    data = comment_data()
    if kind == "form":
        response = await client.post("/api/comments", data=data, headers=headers)
    elif kind == "json":
        response = await client.post("/api/comments", json=data, headers=headers)
    else:
        response = await client.post("/api/comments", data="name=x", headers={**headers, "Content-Type": "text/plain"})
    assert response.status == 403
    assert "Traceback" not in await response.text()
    counts = await client.get("/api/comments/counts", params={"thread": data["thread"]})
    assert await counts.json() == {data["thread"]: 0}


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": SITE},
        {"Origin": PUBLIC_URL},
        {"Sec-Fetch-Site": "same-origin"},
        # The service reached by another name than its public URL, from its own pages.
        {"Origin": "http://localhost:8080", "Sec-Fetch-Site": "same-origin"},
        {},
    ],
)
async def test_posts_from_the_site_the_service_or_no_browser_are_taken(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = await client.post("/api/comments", json=comment_data(), headers=headers)
    assert response.status == 202
