"""Spam checks, one by one and together: spam is kept and never emailed, holds are flagged."""

from __future__ import annotations

import asyncio
import random
import string
import time
import timeit
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from babel.support import NullTranslations

from moderation import setting_parsers as read
from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.holds import LABELS, Hold, HoldKind, holds_from_json, holds_line
from moderation.i18n import Language, load_translations
from moderation.rules import DeniedDomains, Words
from moderation.spam import SEVERITY, Screening, Severity, SpamGuard
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
    return SpamGuard(FormStamp(SECRET, clock=lambda: now), **options)


async def outbox_for(config: Config, comment_id: int) -> list[dict[str, Any]]:
    """The mails written for a comment, one row per recipient."""
    return await records(config, "SELECT * FROM outbox WHERE comment_id = ? ORDER BY id", comment_id)


def stamp_from(seconds_ago: float, now: float = 1_000_000.0) -> str:
    return FormStamp(SECRET, clock=lambda: now - seconds_ago).issue()


async def test_honeypot_filled_is_spam(store: Store) -> None:
    check = guard(store).honeypot
    assert await check(Screening(submission(), honeypot="")) is None
    found = await check(Screening(submission(), honeypot="http://cheap-pills.example"))
    assert found == Hold(HoldKind.HONEYPOT) and SEVERITY[found.kind] is Severity.SPAM


async def test_form_stamp_too_fast_forged_or_very_old(store: Store) -> None:
    check = guard(store).form_timing
    assert await check(Screening(submission())) is None  # API clients never saw a form
    assert await check(Screening(submission(), stamp=stamp_from(30))) is None
    assert await check(Screening(submission(), stamp=stamp_from(1))) == Hold(HoldKind.TOO_FAST, "1")
    forged = await check(Screening(submission(), stamp=FormStamp("other secret").issue()))
    assert forged == Hold(HoldKind.FORM_STAMP)
    assert await check(Screening(submission(), stamp=stamp_from(5 * 86400))) == Hold(HoldKind.FORM_AGE, "5")
    assert [SEVERITY[kind] for kind in (HoldKind.TOO_FAST, HoldKind.FORM_STAMP, HoldKind.FORM_AGE)] == [
        Severity.SPAM,
        Severity.SPAM,
        Severity.HOLD,
    ]


async def test_same_text_on_the_same_page_is_spam_elsewhere_it_is_not(client: TestClient, config: Config) -> None:
    body = "Great article, thanks for sharing!"
    first = await submit(client, body=body)
    again = await submit(client, body=body)  # answered alike: a bot learns nothing
    elsewhere = await submit(client, body=body, thread="/another-page/")
    new = await submit(client, body="Something new.")
    rows = {
        row["id"]: row
        for row in await records(
            config, "SELECT id, status, holds FROM comments WHERE id IN (?, ?, ?, ?)", first, again, elsewhere, new
        )
    }
    assert {comment_id: rows[comment_id]["status"] for comment_id in rows} == {
        first: "pending",
        again: "spam",
        elsewhere: "pending",
        new: "pending",
    }
    assert holds_from_json(rows[again]["holds"]) == (Hold(HoldKind.DUPLICATE),)


async def test_the_same_text_sent_twice_at_once_is_kept_once_and_the_other_as_spam(
    client: TestClient, config: Config
) -> None:
    """Both arrive together and are written in one transaction: the second repeats the first."""
    body = "Same words, sent twice in the same instant."
    answers = await asyncio.gather(*(client.post("/api/comments", json=comment_data(body=body)) for _ in range(2)))
    assert [answer.status for answer in answers] == [202, 202]
    rows = await records(config, "SELECT status FROM comments WHERE body = ? ORDER BY id", body)
    assert [row["status"] for row in rows] == ["pending", "spam"]


async def test_many_links_hold_for_a_closer_look(store: Store) -> None:
    check = guard(store, max_links=2).links
    assert await check(Screening(submission(body="see https://a.example and https://b.example"))) is None
    found = await check(Screening(submission(body="https://a.example https://b.example www.c.example")))
    assert found == Hold(HoldKind.LINKS, "3") and SEVERITY[found.kind] is Severity.HOLD


# Written by hand for these tests, none of them used to write the matching: (what a reader
# sends: name, website, body) -> the configured word found, or None.
SPAM_WORDS = ("viagra", "casino bonus", "abcd.com", "Ölkur", "ｌｏａｎｓ")
WORD_CASES = [
    (("Dana", "", "Cheap VIAGRA here"), "viagra"),
    (("Dana", "", "Cheap VIÁGRA here"), "viagra"),  # an accent added
    (("Dana", "", "Cheap Ｖｉａｇｒａ here"), "viagra"),  # full-width letters, NFKC
    (("Dana", "", "vi\u0301agra"), "viagra"),  # a combining accent
    (("Dana", "", "Best Casino\n  Bonus codes"), "casino bonus"),  # a phrase across a line break
    (("Dana", "https://abcd.com/", "Hello"), "abcd.com"),  # in the website
    (("Dana", "", "see www.ABCD.com today"), "abcd.com"),
    (("Dana", "", "see https://abcd.com/offer"), "abcd.com"),
    (("ABCD.COM", "", "Hello"), "abcd.com"),  # in the name
    (("Dana", "", "ölkur and more"), "Ölkur"),  # written with a capital, found in lower case
    (("Dana", "", "OLKUR"), "Ölkur"),  # the accent left out
    (("Dana", "", "cheap loans"), "ｌｏａｎｓ"),  # configured in full-width, written plainly
    (("Dana", "", "xabcd.com"), None),  # inside a longer name
    (("Dana", "", "abcd.community"), None),
    (("Dana", "", "viagras and casinos"), None),  # inside longer words
    (("Dana", "", "the casino, a bonus"), None),  # a phrase's words apart
    (("Dana", "", "Hello Casino"), None),  # a phrase's first word alone
    (("Casino", "", "Bonus"), None),  # a phrase's words in two fields
]


@pytest.mark.parametrize("sent, expected", WORD_CASES)
def test_words_match_across_case_accents_and_width_on_word_boundaries_only(
    sent: tuple[str, str, str], expected: str | None
) -> None:
    assert Words(SPAM_WORDS).find(*sent) == expected


async def test_spam_words_bin_and_hold_words_hold_naming_the_word_as_configured(store: Store) -> None:
    spam_guard = guard(store, spam_words=("Casino",), hold_words=("side effects",))
    binned = await spam_guard.screen(Screening(submission(body="Best CASINO bonus")))
    assert binned.spam and binned.holds == (Hold(HoldKind.SPAM_WORDS, "Casino"),)
    held = await spam_guard.screen(Screening(submission(body="Which SIDE  EFFECTS did you have?")))
    assert not held.spam and held.holds == (Hold(HoldKind.HOLD_WORDS, "side effects"),)
    # The address is never looked at: it is no word of the comment's.
    assert (await spam_guard.screen(Screening(submission(email="casino@example.com")))).holds == ()


def test_words_are_found_in_microseconds() -> None:
    letters = random.Random(20)  # 300 made-up words: no prefix shared more than chance shares
    words = ["".join(letters.choices(string.ascii_lowercase, k=letters.randint(4, 10))) for _ in range(300)]
    rule = Words(words)
    body = ("I had my third ketamine session last week and the nausea was milder than before. " * 25)[:2000]
    short = "Thank you, this answered my question about the first six sessions."
    figures = {}
    for label, text in (("2000 characters", body), ("one line", short), ("2000 accented", body.replace("a", "á"))):
        runs = min(timeit.repeat(lambda text=text: rule.find("Dana Reader", "", text), number=200, repeat=5))
        figures[label] = runs / 200 * 1e6
    print("\n300 words, one search:", ", ".join(f"{label} {us:.0f} µs" for label, us in figures.items()))
    assert rule.find("Dana", "", body + " " + words[-1]) == words[-1]
    assert max(figures.values()) < 2000  # well under the time a submission's one fsync takes


# Links as readers write them, none of them used to write the host matching: (website, body) ->
# the denied domain, or None.
DENIED = ("evil.example", "Bücher.example")
LINK_CASES = [
    (("", "see https://evil.example/offer"), "evil.example"),
    (("", "see https://shop.EVIL.example/offer"), "evil.example"),  # a sub-domain
    (("", "[cheap](https://evil.example)"), "evil.example"),  # a Markdown link
    (("", "<https://evil.example/x>"), "evil.example"),
    (("", "go to www.evil.example."), "evil.example"),  # a www. form, a full stop after it
    (("", "[x](https://evil&#46;example)"), "evil.example"),  # a character reference, as Markdown reads it
    (("", "[x](https://evil\\.example)"), "evil.example"),  # a backslash escape
    (("", "http://%65vil.example/"), "evil.example"),  # percent-encoded, as browsers read it
    (("", "ｈｔｔｐｓ：／／ｅｖｉｌ．ｅｘａｍｐｌｅ"), "evil.example"),  # full-width
    (("", "https://user@evil.example:8443/a"), "evil.example"),
    (("https://www.evil.example/", "Hello"), "evil.example"),  # the website
    (("", "https://BÜCHER.example/"), "xn--bcher-kva.example"),  # IDNA
    (("", "https://xn--bcher-kva.example/"), "xn--bcher-kva.example"),
    (("", "https://notevil.example/"), None),  # a look-alike
    (("", "https://evil.example.attacker.test/"), None),
    (("", "https://evil-example.test/"), None),
    (("", "I read about evil.example in the news"), None),  # named, not linked
    (("https://good.example/", "https://good.example/evil.example"), None),  # in a path
]


@pytest.mark.parametrize("sent, expected", LINK_CASES)
def test_denied_domains_and_their_sub_domains_are_found_in_links_look_alikes_are_not(
    sent: tuple[str, str], expected: str | None
) -> None:
    assert DeniedDomains(read.domains(",".join(DENIED))).find(*sent) == expected


async def test_checks_run_in_order_spam_wins_over_holds_and_every_finding_is_named(store: Store) -> None:
    spam_guard = guard(
        store, hold_words=("dosage",), spam_words=("casino",), deny_link_domains=("evil.example",), max_links=0
    )
    assert [check.__name__ for check in spam_guard.checks] == [
        "honeypot",
        "form_timing",
        "links",
        "spam_words",
        "hold_words",
        "link_domains",
    ]
    held = await spam_guard.screen(Screening(submission(body="dosage at https://x.example")))
    assert not held.spam and held.holds == (Hold(HoldKind.LINKS, "1"), Hold(HoldKind.HOLD_WORDS, "dosage"))
    binned = await spam_guard.screen(Screening(submission(body="casino dosage https://evil.example")))
    assert binned.spam and binned.holds == (
        Hold(HoldKind.LINKS, "1"),
        Hold(HoldKind.SPAM_WORDS, "casino"),
        Hold(HoldKind.HOLD_WORDS, "dosage"),
        Hold(HoldKind.LINK_DOMAIN, "evil.example"),
    )


def test_holds_are_read_in_the_sites_language_on_one_line() -> None:
    holds = (Hold(HoldKind.LINKS, "5"), Hold(HoldKind.HOLD_WORDS, "Dosis"), Hold(HoldKind.CHECK, "contains\n'x'"))
    assert holds_line(Language("de", load_translations("de")), holds) == "5 Links; enthält „Dosis“; contains 'x'"
    assert holds_line(Language("es", load_translations("es")), holds) == "5 enlaces; contiene “Dosis”; contains 'x'"


def test_every_kind_has_a_label_and_every_kind_a_check_issues_a_severity() -> None:
    assert set(LABELS) | {HoldKind.CHECK} == set(HoldKind)
    assert set(SEVERITY) | {HoldKind.CHECK} == set(HoldKind)  # `check` only comes from before kinds


async def test_spam_gets_the_same_answer_is_kept_as_spam_and_never_emailed(
    aiohttp_client,
    tmp_path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    # MODERATION_BLOCKLIST, the older name, adds its words to MODERATION_SPAM_WORDS'.
    config = make_config(tmp_path, smtpd.port, spam_words=("poker",), blocklist=("casino",))
    client = await aiohttp_client(create_app(config))
    spam = await client.post("/api/comments", json=comment_data(body="Visit my casino"))
    poker = await client.post("/api/comments", json=comment_data(body="Online POKER tonight"))
    honest = await client.post("/api/comments", json=comment_data(body="Thank you for this."))
    assert spam.status == poker.status == honest.status == 202
    spam_body, honest_body = await spam.json(), await honest.json()
    assert spam_body.keys() == honest_body.keys() and spam_body["status"] == "pending"

    # The outbox is written with the comment, so what it holds now is every mail there will be.
    assert await outbox_for(config, spam_body["id"]) == []
    assert await outbox_for(config, (await poker.json())["id"]) == []
    rows = await outbox_for(config, honest_body["id"])
    assert sorted(config.sealer().open(row["recipient"], "outbox", "recipient", row["id"]) for row in rows) == sorted(
        MODERATORS
    )
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        kept = await store.comments.get(spam_body["id"])
    finally:
        await store.close()
    assert kept is not None and kept.status == "spam" and kept.holds == (Hold(HoldKind.SPAM_WORDS, "casino"),)
    assert await records(
        config,
        "SELECT c.holds, r.reason FROM comments c JOIN audit_log a ON a.comment_id = c.id"
        " JOIN audit_reasons r ON r.entry_id = a.id ORDER BY c.id",
    ) == [
        {
            "holds": '[{"kind": "spam_words", "detail": "casino"}]',
            "reason": "spam_words: contains the spam word “casino”",
        },
        {
            "holds": '[{"kind": "spam_words", "detail": "poker"}]',
            "reason": "spam_words: contains the spam word “poker”",
        },
    ]
    metrics = await (await client.get("/metrics")).text()
    assert "moderation_comments_spam_total 2.0" in metrics


async def test_a_link_to_a_denied_domain_or_a_sub_domain_bins_a_look_alike_waits(
    aiohttp_client,
    tmp_path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    config = make_config(tmp_path, smtpd.port, deny_link_domains=read.domains("pills.example"))
    client = await aiohttp_client(create_app(config))
    denied = await submit(client, body="Cheap, see [here](https://pills.example/buy).")
    sub = await submit(client, website="https://shop.PILLS.example/", body="My site.")
    look_alike = await submit(client, body="I read https://notpills.example/ on this.")
    assert await outbox_for(config, denied) == await outbox_for(config, sub) == []
    assert len(await outbox_for(config, look_alike)) == len(MODERATORS)
    rows = await records(config, "SELECT id, status, holds FROM comments ORDER BY id")
    assert rows == [
        {"id": denied, "status": "spam", "holds": '[{"kind": "link_domain", "detail": "pills.example"}]'},
        {"id": sub, "status": "spam", "holds": '[{"kind": "link_domain", "detail": "pills.example"}]'},
        {"id": look_alike, "status": "pending", "holds": "[]"},
    ]


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
    assert "Worth a closer look: contains “dosage”." in text_of(mail)


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


def test_a_hold_kind_this_version_does_not_know_reads_as_written() -> None:
    stored = '[{"kind": "links", "detail": "5"}, {"kind": "from_a_newer_version", "detail": "x"}]'
    assert holds_from_json(stored) == (Hold(HoldKind.LINKS, "5"), Hold(HoldKind.CHECK, "from_a_newer_version: x"))
