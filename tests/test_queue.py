"""The queue over HTTP: what each tab lists, decisions on many comments at once and what the page
says about each, replies by the site, and every way a post is refused without changing a thing."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from moderation.app_keys import store_key
from moderation.classifier.model import Assessment, Verdict
from moderation.config import Config
from moderation.holds import Hold, HoldKind
from moderation.models import Action, Channel, CommentStatus, NewComment
from tests import db
from tests.conftest import MODERATORS, SITE
from tests.factories import HOLDS, comment_data, email_link, held_comment, submit
from tests.moderators import Clock, Moderator, outcome, queue_rows, sign_in
from tests.smtp import SmtpSink

ALICE, BOB = MODERATORS
THREAD = "/how-many-ketamine-treatments/"
TITLE = "How many ketamine treatments does depression take?"


async def published(client: TestClient, thread: str = THREAD) -> list[dict[str, Any]]:
    response = await client.get("/api/comments", params={"thread": thread})
    return list((await response.json())["comments"])


async def audit(config: Config, comment_id: int) -> list[tuple[Any, ...]]:
    return await db.query(
        config,
        "SELECT a.from_status, a.to_status, a.actor, a.channel, r.reason FROM audit_log a"
        " LEFT JOIN audit_reasons r ON r.entry_id = a.id WHERE a.comment_id = ? ORDER BY a.id",
        comment_id,
    )


async def everything(config: Config) -> list[tuple[Any, ...]]:
    """What a refused request must leave as it was: every comment's state and the whole log."""
    comments = await db.query(config, "SELECT id, status FROM comments ORDER BY id")
    return comments + await db.query(config, "SELECT id, comment_id, to_status FROM audit_log ORDER BY id")


async def test_pending_comments_are_listed_oldest_first_with_what_a_moderator_needs(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    first = await submit(service, name="Ana First", email="ana@example.com")
    clock.advance(3 * 3600)
    second = await submit(service, name="Ben Second", website="https://ben.example/")
    links = " ".join(f"https://l{n}.example/" for n in range(5))
    held = await submit(service, name="Cy Held", body=f"Sources: {links}")
    clock.advance(120)
    alice = await sign_in(service, smtpd, ALICE)

    page = await alice.page()
    rows = queue_rows(page)
    assert list(rows) == [first, second, held]
    assert "Ana First" in rows[first] and "ana@example.com" in rows[first]
    assert "3 hours ago" in rows[first] and "2 minutes ago" in rows[second]
    # No comment of the page is approved yet: it has no title, and the commenter's is shown as theirs.
    assert f"On {THREAD} Title given by the commenter: {TITLE}" in rows[first]
    assert f'<a href="{SITE}{THREAD}">{THREAD}</a>' in page
    assert "https://ben.example/" in rows[second] and 'href="mailto:ana@example.com"' in page
    assert "Worth a closer look: 5 links" in rows[held]
    assert "Pending 3" in " ".join(re.sub(r"<[^>]+>", " ", page).split())


async def test_the_other_tabs_list_newest_first_with_the_last_decision(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    older = await submit(service, name="Old Rejected")
    clock.advance(60)
    newer = await submit(service, name="New Rejected")
    spam = (await (await service.post("/api/comments", json=comment_data(homepage="http://bot.example"))).json())["id"]
    for comment_id in (older, newer):
        assert (await service.post(await email_link(smtpd, comment_id, "reject", BOB))).status == 200
    alice = await sign_in(service, smtpd, ALICE)

    rejected = queue_rows(await alice.page("/queue?status=rejected"))
    assert list(rejected) == [newer, older]
    assert f"Rejected by {BOB} from the email link" in rejected[older]
    assert "Restore" in rejected[older] and "Approve" not in rejected[older]
    assert list(queue_rows(await alice.page("/queue?status=spam"))) == [spam]
    assert (
        "Spam checks: filled in the hidden field that people never see"
        in queue_rows(await alice.page("/queue?status=spam"))[spam]
    )
    assert list(queue_rows(await alice.page("/queue?status=approved"))) == []


async def test_every_hold_is_named_on_its_row_as_a_closer_look_or_as_the_spam_checks_findings(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    store = service.app[store_key]
    held = (await store.comments.submit(held_comment(tuple(HOLDS)))).id
    binned = (Hold(HoldKind.LINK_DOMAIN, "pills.example"), Hold(HoldKind.CLASSIFIER, "0.9931"))
    spam = (await store.comments.submit(held_comment(binned, CommentStatus.SPAM))).id
    plain = await submit(service)
    alice = await sign_in(service, smtpd, ALICE)

    rows = queue_rows(await alice.page())
    assert f"Worth a closer look: {'; '.join(HOLDS.values())}" in rows[held]
    assert "Worth a closer look" not in rows[plain] and "Spam checks" not in rows[plain]
    # Beside the classifier's own line, which every scored comment has.
    assert "Spam score 0.50 (unsure)" in rows[plain]
    spam_row = queue_rows(await alice.page("/queue?status=spam"))[spam]
    binned_text = "links to pills.example, a denied domain; the spam classifier scored it 0.9931, above the threshold"
    assert f"Spam checks: {binned_text}" in spam_row
    # The audit log keeps them in English, each with its kind.
    (arrival,) = await audit(config, held)
    assert arrival[-1] == "; ".join(f"{hold.kind}: {text}" for hold, text in HOLDS.items())


async def test_a_bulk_approve_says_what_happened_to_each_and_who_decided_first(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    ids = [await submit(service, name=f"Reader {n}") for n in range(3)]
    assert (await service.post(await email_link(smtpd, ids[2], "reject", BOB))).status == 200
    before = (await service.get("/api/comments", params={"thread": THREAD})).headers["ETag"]
    alice = await sign_in(service, smtpd, ALICE)

    page = await alice.decide("approve", ids)
    said = outcome(page)
    assert said.startswith(f"2 approved, 1 already rejected by {BOB}.")
    assert f"Reader 2 (#{ids[2]}): already rejected by {BOB}" in said
    assert f"Reader 0 (#{ids[0]}): approved" in said
    assert [c["name"] for c in await published(service)] == ["Reader 0", "Reader 1"]
    assert (await service.get("/api/comments", params={"thread": THREAD})).headers["ETag"] != before
    assert await audit(config, ids[0]) == [
        (None, "pending", "system", "submission", None),
        ("pending", "approved", ALICE, "queue", None),
    ]
    assert len(await audit(config, ids[2])) == 2  # the one that was decided already: nothing more
    metrics = await (await service.get("/metrics")).text()
    assert 'moderation_decisions_total{action="approve"} 2.0' in metrics
    assert outcome(await alice.decide("approve", ids[:1])).startswith("1 already approved by you.")


async def test_a_reason_stays_with_the_moderators_and_never_reaches_the_public(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(service, name="Dana Reader")
    alice = await sign_in(service, smtpd, ALICE)
    reason = "Names another patient's dosage"
    assert outcome(await alice.decide("reject", [comment_id], reason=reason)).startswith("1 rejected.")
    assert await audit(config, comment_id) == [
        (None, "pending", "system", "submission", None),
        ("pending", "rejected", ALICE, "queue", reason),
    ]
    (row,) = queue_rows(await alice.page("/queue?status=rejected")).values()
    assert f"Rejected by {ALICE} in the queue" in row and f"Reason: {reason}" in row.replace("’", "'")
    for path in ("/api/comments?thread=" + THREAD, "/embed?thread=" + THREAD, "/api/comments/feed?thread=" + THREAD):
        assert "dosage" not in await (await service.get(path)).text()


async def test_restore_brings_a_spam_comment_back_to_pending(service: TestClient, smtpd: SmtpSink) -> None:
    response = await service.post("/api/comments", json=comment_data(name="Caught Wrongly", homepage="x"))
    spam = (await response.json())["id"]
    alice = await sign_in(service, smtpd, ALICE)
    page = await alice.decide("restore", [spam], status="spam")
    assert outcome(page).startswith("1 restored.")
    assert list(queue_rows(page)) == []  # back on the spam tab, now empty
    (row,) = queue_rows(await alice.page()).values()
    assert "Caught Wrongly" in row and f"Restored to pending by {ALICE} in the queue" in row


async def test_more_than_100_ids_or_a_longer_reason_is_422_and_changes_nothing(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(service)
    alice = await sign_in(service, smtpd, ALICE)
    csrf = await alice.csrf()
    before = await everything(config)
    too_many = [("csrf", csrf), ("action", "approve"), *(("id", str(comment_id + n)) for n in range(101))]
    long_reason = {"csrf": csrf, "action": "reject", "id": str(comment_id), "reason": "x" * 501}
    unknown_action = {"csrf": csrf, "action": "publish", "id": str(comment_id)}
    for data in (too_many, long_reason, unknown_action, {"csrf": csrf, "action": "approve", "id": "9" * 30}):
        response = await alice.post("/queue/decide", data)
        assert response.status == 422, await response.text()
        assert "nothing was changed" in await response.text()
    assert await everything(config) == before
    exactly = [("csrf", csrf), ("action", "approve"), *(("id", str(comment_id + n)) for n in range(100))]
    assert (await alice.post("/queue/decide", exactly)).status == 303


async def test_without_csrf_or_from_a_foreign_origin_403_and_nothing_changes(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    comment_id = await submit(service)
    alice = await sign_in(service, smtpd, ALICE)
    bob = await sign_in(service, smtpd, BOB)
    form = {"action": "approve", "id": str(comment_id)}
    before = await everything(config)
    for data, headers in [
        (form, {}),
        (form | {"csrf": "0" * 64}, {}),
        (form | {"csrf": await bob.csrf()}, {}),  # another session's token
        (form | {"csrf": await alice.csrf()}, {"Origin": "https://evil.example"}),
        (form | {"csrf": await alice.csrf()}, {"Origin": SITE}),  # the blog may post comments, not decisions
    ]:
        response = await alice.post("/queue/decide", data, **headers)
        assert response.status == 403, (data, headers)
    assert await everything(config) == before
    # Without Origin (an older browser, a script) the token alone decides.
    page = await alice.decide("approve", [comment_id])
    assert outcome(page).startswith("1 approved.")


@pytest.mark.parametrize("link_first", [False, True], ids=["queue-first", "link-first"])
async def test_a_bulk_approve_racing_an_email_link_approve_makes_one_decision_and_names_the_winner(
    service: TestClient, smtpd: SmtpSink, config: Config, link_first: bool
) -> None:
    ids = [await submit(service) for _ in range(3)]
    link = await email_link(smtpd, ids[1], "approve", BOB)
    alice = await sign_in(service, smtpd, ALICE)
    csrf = await alice.csrf()
    bulk = [("csrf", csrf), ("action", "approve"), *(("id", str(i)) for i in ids)]
    # Whichever starts first usually wins: both orders, so that both outcomes are seen.
    racers = [alice.post("/queue/decide", bulk), service.post(link)]
    answers = await asyncio.gather(*(reversed(racers) if link_first else racers))
    queue_answer, link_answer = reversed(answers) if link_first else answers
    assert queue_answer.status == 303 and link_answer.status == 200
    said = outcome(await alice.page(queue_answer.headers["Location"]))
    link_page = await link_answer.text()

    decisions = [entry for entry in await audit(config, ids[1]) if entry[0] is not None]
    assert len(decisions) == 1, decisions
    (_, _, winner, channel, _) = decisions[0]
    if winner == ALICE:
        assert channel == "queue" and said.startswith("3 approved.")
        assert "already approved" in link_page and ALICE in link_page
    else:
        assert channel == "email_link" and said.startswith(f"2 approved, 1 already approved by {BOB}.")
        assert "Comment approved." in link_page
    assert len(await published(service)) == 3


async def test_pages_neither_skip_nor_repeat_comments_while_moderators_decide(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    store = service.server.app[store_key]
    ids = []
    for n in range(120):
        if n % 7 == 0:
            clock.advance(1)  # some share a second, some do not: the order holds either way
        new = NewComment(THREAD, TITLE, f"Reader {n}", f"r{n}@example.com", "", f"Body {n}", f"<p>Body {n}</p>", "a")
        ids.append((await store.comments.submit(new)).id)
    alice = await sign_in(service, smtpd, ALICE)

    first = await alice.page()
    assert list(queue_rows(first)) == ids[:50]
    first = await alice.decide("approve", ids[:10])  # from the first page: it fills up from below
    assert list(queue_rows(first)) == ids[10:60]
    next_url = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first)
    assert next_url
    await store.comments.decide(ids[55:70], Action.REJECT, actor=BOB, channel=Channel.EMAIL_LINK)  # meanwhile
    second = await alice.page(next_url.group(1).replace("&amp;", "&"))
    assert list(queue_rows(second)) == ids[70:120]
    assert 'rel="next"' not in second and "First page" in second
    # Deciding from the second page comes back to the second page.
    second = await alice.decide(
        "spam", ids[70:72], status="pending", after=re.findall(r'name="after" value="([^"]+)"', second)[0]
    )
    assert list(queue_rows(second)) == ids[72:120]

    # The approved tab, newest first, pages the same way.
    await store.comments.decide(ids[72:120], Action.APPROVE, actor=BOB, channel=Channel.EMAIL_LINK)
    newest = list(reversed(ids[72:120])) + list(reversed(ids[:10]))
    approved = await alice.page("/queue?status=approved")
    assert list(queue_rows(approved)) == newest[:50]
    older = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', approved)
    assert older
    assert list(queue_rows(await alice.page(older.group(1).replace("&amp;", "&")))) == newest[50:]


async def test_approve_and_reply_publishes_the_sites_answer_under_the_comment_at_once(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    question = await submit(service, name="Dana Asking", body="Is the second week harder?")
    alice = await sign_in(service, smtpd, ALICE)
    before = (await service.get("/api/comments", params={"thread": THREAD})).headers["ETag"]
    response = await alice.post(
        "/queue/reply",
        {"csrf": await alice.csrf(), "id": str(question), "body": "Often *easier*, in fact.", "status": "pending"},
    )
    assert response.status == 303
    page = await alice.page(response.headers["Location"])
    assert outcome(page).startswith("1 approved; your reply is published.")

    thread = await published(service)
    assert [(c["name"], c["parent"], c["by_site"]) for c in thread] == [
        ("Dana Asking", None, False),
        (config.site_name, question, True),
    ]
    assert config.site_name == "blog.clinic.example"
    reply = thread[1]
    assert reply["body_html"] == "<p>Often <em>easier</em>, in fact.</p>"
    assert f'href="{SITE}{THREAD}#comment-{reply["id"]}"' in page
    assert (await service.get("/api/comments", params={"thread": THREAD})).headers["ETag"] != before
    assert await audit(config, reply["id"]) == [(None, "approved", ALICE, "queue", None)]
    fragment = await (await service.get("/embed", params={"thread": THREAD})).text()
    assert fragment.count('<span class="mod-badge">From the site</span>') == 1
    assert len(smtpd.messages) == 2 + 1  # the question's two mails and the sign-in: the reply mails no one


async def test_no_reply_under_a_comment_someone_rejected_first(service: TestClient, smtpd: SmtpSink) -> None:
    question = await submit(service, name="Dana Asking")
    assert (await service.post(await email_link(smtpd, question, "reject", BOB))).status == 200
    alice = await sign_in(service, smtpd, ALICE)
    response = await alice.post("/queue/reply", {"csrf": await alice.csrf(), "id": str(question), "body": "Thanks!"})
    said = outcome(await alice.page(response.headers["Location"]))
    assert said.startswith(f"1 already rejected by {BOB}; your reply was not published.")
    assert await published(service) == []


async def test_a_comment_with_script_in_it_is_inert_in_the_queue(service: TestClient, smtpd: SmtpSink) -> None:
    await submit(
        service,
        name="<script>alert('name')</script>",
        body="<script>alert('body')</script> <img src=x onerror=alert('img')> [x](javascript:alert('link'))",
    )
    alice = await sign_in(service, smtpd, ALICE)
    page = await alice.page()
    assert "<script>alert" not in page and "<img" not in page and 'href="javascript:' not in page
    (row,) = queue_rows(page).values()
    assert "<script>alert('name')</script>" in row.replace("&#39;", "'")  # shown as text, to be judged


async def test_the_decision_summary_shows_only_on_the_page_it_led_to(service: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(service)
    alice = await sign_in(service, smtpd, ALICE)
    assert outcome(await alice.decide("approve", [comment_id]))
    assert 'class="outcome"' not in await alice.page()


async def test_queue_pages_run_no_inline_script_and_are_neither_cached_nor_referred(
    service: TestClient, smtpd: SmtpSink
) -> None:
    await submit(service)
    alice = await sign_in(service, smtpd, ALICE)
    response = await alice.get("/queue")
    page = await response.text()
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/queue.js" defer>']
    assert not re.search(r"\son[a-z]+=|\sstyle=", page)
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "same-origin"
    assert (await service.get("/static/queue.js")).status == 200


async def test_an_unknown_tab_or_page_is_a_400(service: TestClient, smtpd: SmtpSink) -> None:
    alice = await sign_in(service, smtpd, ALICE)
    for query in ("status=deleted", "after=yesterday", "after=nan:3"):
        assert (await alice.get(f"/queue?{query}")).status == 400


def next_page(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', page)
    return found.group(1).replace("&amp;", "&") if found else None


async def every_page(moderator: Moderator, path: str) -> list[int]:
    """The ids on a listing's pages, following "Next page" to the end."""
    ids: list[int] = []
    url: str | None = path
    while url:
        page = await moderator.page(url)
        ids += queue_rows(page)
        url = next_page(page)
    return ids


def scored(n: int, score: float | None, **fields: Any) -> NewComment:
    verdict = None if score is None else Verdict.LIKELY_SPAM if score >= 0.9 else Verdict.LIKELY_OK
    assessment = Assessment(score, verdict, ("word: casino",)) if score is not None and verdict else None
    values: dict[str, Any] = dict(thread=THREAD, title=TITLE, name=f"Reader {n}", email=f"r{n}@example.com")
    values |= dict(website="", body=f"Body {n}", body_html=f"<p>Body {n}</p>", avatar="a", assessment=assessment)
    return NewComment(**(values | fields))


def showing(page: str) -> str:
    found = re.search(r'<p class="showing">(.*?)</p>', page, re.DOTALL)
    assert found, "the page does not say what it shows"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


async def test_sorting_by_score_pages_through_every_comment_once_with_the_never_scored_last(
    service: TestClient, smtpd: SmtpSink
) -> None:
    store = service.server.app[store_key]
    # 110 comments, scores with many ties and some never scored, stored in no order of score.
    scores: list[float | None] = [None if n % 9 == 0 else round((n * 37 % 100) / 100, 2) for n in range(110)]
    ids = [(await store.comments.submit(scored(n, score))).id for n, score in enumerate(scores)]
    alice = await sign_in(service, smtpd, ALICE)
    by_id = dict(zip(ids, scores, strict=True))
    never = [id_ for id_ in ids if by_id[id_] is None]

    likely_spam = await every_page(alice, "/queue?sort=likely_spam")
    assert likely_spam == sorted(set(ids) - set(never), key=lambda i: (-(by_id[i] or 0), i)) + never
    likely_ok = await every_page(alice, "/queue?sort=likely_ok")
    assert likely_ok == sorted(set(ids) - set(never), key=lambda i: (by_id[i] or 0, i)) + never
    assert await every_page(alice, "/queue") == ids  # oldest first, as before

    page = await alice.page("/queue?sort=likely_spam")
    first = queue_rows(page)[likely_spam[0]]
    assert f"Spam score {by_id[likely_spam[0]]:.2f} (likely spam): word: casino" in first
    assert '<option value="likely_spam" selected>Likely spam first</option>' in page
    assert 'name="sort" value="likely_spam"' in page  # the decision forms come back to this order
    # Deciding from the second page of an order comes back to that page of that order.
    second_url = next_page(page)
    assert second_url
    second = await alice.page(second_url)
    after = re.findall(r'name="after" value="([^"]+)"', second)[0]
    back = await alice.decide("reject", likely_spam[50:52], status="pending", sort="likely_spam", after=after)
    assert list(queue_rows(back)) == likely_spam[52:102]


async def test_a_cursor_of_one_order_used_with_another_is_a_400_page(service: TestClient, smtpd: SmtpSink) -> None:
    store = service.server.app[store_key]
    for n in range(55):
        await store.comments.submit(scored(n, n / 100))
    alice = await sign_in(service, smtpd, ALICE)
    cursors = {}
    for sort in ("oldest", "likely_ok", "likely_spam"):
        url = next_page(await alice.page(f"/queue?sort={sort}"))
        assert url
        cursors[sort] = parse_qs(urlsplit(url).query)["after"][0]
    for sort, cursor in cursors.items():
        for other in set(cursors) - {sort}:
            response = await alice.get(f"/queue?{urlencode({'sort': other, 'after': cursor})}")
            assert response.status == 400, (sort, other)
            assert "This page of the queue does not exist." in await response.text()


async def test_the_search_box_finds_by_word_address_and_page_and_keeps_the_search_on_every_page(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    ana = await submit(service, name="Ana", email="ana.patient@example.com", body="Does the nausea pass?")
    elsewhere = await submit(service, name="Ana", email="ANA.Patient@example.com", thread="/other/")
    ben = await submit(service, name="Ben", email="ben@example.com", body="The NAUSEA was gone by noon.")
    assert all("example.com" not in row[0] for row in await db.query(config, "SELECT email FROM comments"))
    alice = await sign_in(service, smtpd, ALICE)

    async def found(q: str, **query: str) -> tuple[list[int], str]:
        page = await alice.page(f"/queue?{urlencode({'q': q, **query})}")
        return list(queue_rows(page)), page

    ids, page = await found("nausea")
    assert ids == [ana, ben]
    assert showing(page) == "2 comments of this tab match “nausea”. Clear the search"
    assert '<input type="search" id="queue-q" name="q" value="nausea"' in page
    assert '<label for="queue-q">Search</label>' in page
    assert (await found("email:ana.patient@example.com"))[0] == [ana, elsewhere]
    assert (await found("email:ana.patient@example.com thread:/other/"))[0] == [elsewhere]
    ids, page = await found("thread:/nowhere/")
    assert ids == [] and showing(page).startswith("0 comments of this tab match “thread:/nowhere/”.")
    assert (await found("nausea", status="rejected"))[0] == []
    # What was typed is shown as text, never as markup.
    assert "“&lt;b&gt;nausea”" in (await found("<b>nausea"))[1]

    # A decision from the search comes back to it.
    back = await alice.decide("approve", [ana], q="nausea", status="pending")
    assert list(queue_rows(back)) == [ben] and showing(back).startswith("1 comment of this tab matches “nausea”.")

    # Paging keeps the search.
    store = service.server.app[store_key]
    many = [(await store.comments.submit(scored(n, None, body=f"Infusion day {n}"))).id for n in range(52)]
    first = await alice.page("/queue?q=infusion")
    assert list(queue_rows(first)) == many[:50] and showing(first).startswith("52 comments of this tab match")
    second_url = next_page(first)
    assert second_url and "q=infusion" in second_url
    assert list(queue_rows(await alice.page(second_url))) == many[50:]


async def test_unanswered_lists_approved_questions_until_the_site_replies(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    store = service.server.app[store_key]
    marked = await submit(service, name="Ana", body="Is the second week harder?")
    clock.advance(1)
    unmarked = await submit(service, name="Ben", body="Thanks. How long does the effect last")
    clock.advance(1)
    german = await submit(service, name="Carla", body="Wie lange dauert eine Sitzung", lang="de")
    clock.advance(1)
    statement = await submit(service, name="Dan", body="When I started, I was scared. It passed.")
    quoted = await submit(service, name="Eve", body="> Does it hurt?\n\nNot for me.")
    waiting = await submit(service, name="Fay", body="Is it safe for teens?")  # not approved: not listed
    for comment_id in (marked, unmarked, german, statement, quoted):
        await store.comments.decide([comment_id], Action.APPROVE, actor=BOB, channel=Channel.EMAIL_LINK)
    alice = await sign_in(service, smtpd, ALICE)

    page = await alice.page("/queue?status=approved&filter=unanswered")
    assert list(queue_rows(page)) == [german, unmarked, marked]  # the approved tab's order: newest first
    assert showing(page) == "3 approved comments ask a question the site has not answered yet."
    assert '<a href="/queue?status=approved&amp;filter=unanswered" aria-current="page">Unanswered questions</a>' in page
    assert '<input type="hidden" name="filter" value="unanswered">' in page
    assert list(queue_rows(await alice.page("/queue?filter=unanswered"))) == [german, unmarked, marked]
    assert waiting in queue_rows(await alice.page("/queue"))

    # The site answers one from this very list: it leaves the list, and the reply is not a question.
    response = await alice.post(
        "/queue/reply",
        {
            "csrf": await alice.csrf(),
            "id": str(unmarked),
            "body": "Is it? About a week.",
            "status": "approved",
            "filter": "unanswered",
        },
    )
    assert response.status == 303
    back = await alice.page(response.headers["Location"])
    assert outcome(back).startswith("1 already approved by")
    assert list(queue_rows(back)) == [german, marked]
    assert showing(back) == "2 approved comments ask a question the site has not answered yet."
    # A reader's reply is no answer from the site.
    reply = await submit(service, name="Gus", body="Same question here.", parent=marked)
    await store.comments.decide([reply], Action.APPROVE, actor=BOB, channel=Channel.EMAIL_LINK)
    assert list(queue_rows(await alice.page("/queue?filter=unanswered&q=second"))) == [marked]


async def test_unanswered_pages_neither_skip_nor_repeat_questions(service: TestClient, smtpd: SmtpSink) -> None:
    store = service.server.app[store_key]
    ids = []
    for n in range(130):
        body = f"Question {n}: does it help?" if n % 2 else f"Statement {n}, it helped."
        ids.append((await store.comments.submit(scored(n, n % 10 / 10, body=body))).id)
    await store.comments.decide(ids, Action.APPROVE, actor=BOB, channel=Channel.EMAIL_LINK)
    questions = [id_ for n, id_ in enumerate(ids) if n % 2]
    alice = await sign_in(service, smtpd, ALICE)

    assert await every_page(alice, "/queue?filter=unanswered") == list(reversed(questions))
    by_score = sorted(questions, key=lambda i: ((ids.index(i) % 10) / 10, i))
    assert await every_page(alice, "/queue?filter=unanswered&sort=likely_ok") == by_score


BAD_QUEUE_QUERIES = [
    "sort=newest",
    "sort=",  # empty is the default: allowed (checked below)
    "filter=unread",
    "filter=unanswered&status=pending",
    "q=" + "x" * 201,
    "q=a%00b",
    "after=likely_ok:0.5:3",  # another order's cursor
    "sort=likely_spam&after=1.5:3",
    "sort=likely_ok&after=likely_ok:inf:3",
    "sort=likely_ok&after=likely_ok:0.5:" + "9" * 30,
]


async def test_a_bad_sort_filter_search_or_cursor_is_a_400_page_never_a_500(
    service: TestClient, smtpd: SmtpSink
) -> None:
    await submit(service)
    alice = await sign_in(service, smtpd, ALICE)
    for query in BAD_QUEUE_QUERIES:
        response = await alice.get(f"/queue?{query}")
        if query == "sort=":
            assert response.status == 200
            continue
        assert response.status == 400, query
        assert response.content_type == "text/html"
        assert "Traceback" not in await response.text()
    said = {
        "sort=newest": "Sort the queue by oldest, likely_ok or likely_spam.",
        "filter=unread": "The queue has one filter: unanswered.",
        "filter=unanswered&status=pending": "Unanswered questions are in the approved tab.",
        "q=" + "x" * 201: "Search for at most 200 characters of text.",
    }
    for query, sentence in said.items():
        assert sentence in await (await alice.get(f"/queue?{query}")).text()
