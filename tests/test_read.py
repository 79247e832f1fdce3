"""What site pages read: the approved comments of a thread, counts, and the operations endpoints."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.factories import decide, publish, submit
from tests.smtp import SmtpSink
from tests.waiting import eventually

THREAD = "/how-many-ketamine-treatments/"
PUBLIC_KEYS = {"id", "parent", "name", "website", "avatar", "body_html", "created", "date", "by_site"}


async def listing(client: TestClient, thread: str = THREAD, **headers: str) -> ClientResponse:
    return await client.get("/api/comments", params={"thread": thread}, headers=headers)


async def comments_of(client: TestClient, thread: str = THREAD) -> list[dict[str, Any]]:
    response = await listing(client, thread)
    assert response.status == 200
    comments: list[dict[str, Any]] = (await response.json())["comments"]
    return comments


async def json_error(response: ClientResponse, status: int) -> str:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    return str(body["error"])


# --- GET /api/comments ---------------------------------------------------------------------------


async def test_unknown_thread_is_an_empty_list(client: TestClient) -> None:
    response = await listing(client, "/never-commented/")
    assert response.status == 200
    assert await response.json() == {
        "thread": "/never-commented/",
        "count": 0,
        "closed": False,
        "comments": [],
        "lang": "en",
        "count_text": "0 comments",
    }


async def test_only_approved_comments_are_listed_oldest_first_with_public_fields_only(
    client: TestClient, smtpd: SmtpSink
) -> None:
    first = await publish(client, smtpd, name="First Reader", website="https://first.example/")
    rejected = await submit(client, name="Rejected Reader")
    await decide(client, smtpd, rejected, "reject")
    await submit(client, name="Pending Reader")
    second = await publish(client, smtpd, name="Second Reader")
    await publish(client, smtpd, name="Elsewhere Reader", thread="/another-article/")

    response = await listing(client)
    assert response.status == 200
    body = await response.json()
    assert body["thread"] == THREAD and body["count"] == 2
    comments = body["comments"]
    assert [(c["id"], c["name"]) for c in comments] == [(first, "First Reader"), (second, "Second Reader")]
    for comment in comments:
        assert set(comment) == PUBLIC_KEYS
        assert comment["parent"] is None
    assert comments[0]["website"] == "https://first.example/"
    assert not comments[1]["website"]


async def test_created_is_iso_8601_utc_with_z_and_the_time_of_submission(client: TestClient, smtpd: SmtpSink) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    await publish(client, smtpd)
    after = datetime.now(UTC)
    (comment,) = await comments_of(client)
    created = comment["created"]
    assert isinstance(created, str) and created.endswith("Z")
    moment = datetime.fromisoformat(created)
    assert moment.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= moment <= after + timedelta(seconds=1)
    # The same day, written for readers: "27 November 2026", as the fragment writes it.
    assert comment["date"] == f"{moment.day} {moment:%B %Y}"


class Elements(HTMLParser):
    """Every element of an HTML fragment with its attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


async def test_body_html_is_rendered_and_sanitised(client: TestClient, smtpd: SmtpSink) -> None:
    body = (
        "<script>alert(1)</script> **bold** [x](javascript:alert(1))\n\n"
        '<img src=x onerror="alert(2)"> [ok](https://clinic.example/) <a href="javascript:alert(3)">a</a>'
        " [y](JaVaScRiPt:alert(4)) [z](data:text/html,hi)"
    )
    await publish(client, smtpd, body=body)
    (comment,) = await comments_of(client)
    html = comment["body_html"]
    assert "<script" not in html.lower()
    assert "<strong>bold</strong>" in html
    elements = Elements(html).found
    assert {tag for tag, _ in elements} <= {"p", "strong", "a"}
    for tag, attrs in elements:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (tag, name, value)
    links = [dict(attrs)["href"] for tag, attrs in elements if tag == "a"]
    assert links == ["https://clinic.example/"]
    # What is left of the attempts is inert text, shown escaped.
    assert "&lt;script&gt;" in html and "&lt;img" in html


async def test_name_and_website_are_given_as_typed_for_the_page_to_escape(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, name="Zoë <b>王</b> 🙂", website="https://zoe.example/?a=1&b=2")
    (comment,) = await comments_of(client)
    assert comment["name"] == "Zoë <b>王</b> 🙂"
    assert comment["website"] == "https://zoe.example/?a=1&b=2"


async def test_replies_carry_their_parent(client: TestClient, smtpd: SmtpSink) -> None:
    parent = await publish(client, smtpd, name="Asker")
    reply = await publish(client, smtpd, name="Answerer", parent=parent)
    comments = await comments_of(client)
    assert [(c["id"], c["parent"]) for c in comments] == [(parent, None), (reply, parent)]


async def test_avatar_is_a_keyed_per_address_key_that_ignores_case(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, name="One", email="Zoe.Reader@Example.com")
    await publish(client, smtpd, name="Two", email="zoe.reader@example.com")
    await publish(client, smtpd, name="Three", email="someone.else@example.com")
    one, two, three = await comments_of(client)
    assert isinstance(one["avatar"], str) and len(one["avatar"]) >= 16
    assert one["avatar"] == two["avatar"]
    assert one["avatar"] != three["avatar"]
    for address in ("Zoe.Reader@Example.com", "zoe.reader@example.com"):
        data = address.encode()
        for digest in (hashlib.md5(data), hashlib.sha1(data), hashlib.sha256(data)):
            assert digest.hexdigest() not in one["avatar"].lower()


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="missing"),
        pytest.param({"thread": ""}, id="empty"),
        pytest.param({"thread": "no-slash/"}, id="not-a-path"),
        pytest.param({"thread": "/" + "p" * 512}, id="over-512-chars"),
    ],
)
async def test_missing_or_invalid_thread_is_a_400_json_error(client: TestClient, query: dict[str, str]) -> None:
    response = await client.get("/api/comments", params=query)
    await json_error(response, 400)


# --- ETag ----------------------------------------------------------------------------------------


async def test_unchanged_list_answers_304_to_if_none_match(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd)
    first = await listing(client)
    etag = first.headers["ETag"]
    assert etag.startswith(('"', 'W/"')) and etag.endswith('"')

    again = await listing(client, **{"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag

    other = await listing(client, **{"If-None-Match": '"not-the-etag"'})
    assert other.status == 200
    assert len((await other.json())["comments"]) == 1


async def test_unknown_thread_also_honours_if_none_match(client: TestClient) -> None:
    first = await listing(client, "/never-commented/")
    again = await listing(client, "/never-commented/", **{"If-None-Match": first.headers["ETag"]})
    assert again.status == 304


async def test_a_new_approval_on_the_thread_changes_the_etag(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, name="First Reader")
    etag = (await listing(client)).headers["ETag"]
    await publish(client, smtpd, name="Second Reader")

    response = await listing(client, **{"If-None-Match": etag})
    assert response.status == 200
    assert response.headers["ETag"] != etag
    assert [c["name"] for c in (await response.json())["comments"]] == ["First Reader", "Second Reader"]


async def test_the_first_approval_on_a_thread_changes_its_etag(client: TestClient, smtpd: SmtpSink) -> None:
    etag = (await listing(client)).headers["ETag"]
    await publish(client, smtpd)
    response = await listing(client, **{"If-None-Match": etag})
    assert response.status == 200
    assert response.headers["ETag"] != etag


async def test_approval_on_another_thread_leaves_the_etag_alone(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd)
    etag = (await listing(client)).headers["ETag"]
    await publish(client, smtpd, thread="/another-article/")
    response = await listing(client, **{"If-None-Match": etag})
    assert response.status == 304
    assert (await listing(client)).headers["ETag"] == etag


async def test_pending_and_rejected_submissions_leave_the_etag_alone(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd)
    etag = (await listing(client)).headers["ETag"]
    await submit(client, name="Still Pending")
    rejected = await submit(client, name="Turned Down")
    await decide(client, smtpd, rejected, "reject")
    response = await listing(client, **{"If-None-Match": etag})
    assert response.status == 304
    assert (await listing(client)).headers["ETag"] == etag


# --- GET /api/comments/counts --------------------------------------------------------------------


async def test_counts_give_the_approved_comments_of_each_thread_asked_for(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, thread="/a/")
    await publish(client, smtpd, thread="/a/")
    await submit(client, thread="/a/")  # pending: not counted
    rejected = await submit(client, thread="/b/")
    await decide(client, smtpd, rejected, "reject")
    await publish(client, smtpd, thread="/c/")  # not asked for

    response = await client.get("/api/comments/counts", params=[("thread", "/a/"), ("thread", "/b/")])
    assert response.status == 200
    assert await response.json() == {"/a/": 2, "/b/": 0}


async def test_counts_take_up_to_100_threads(client: TestClient) -> None:
    params = [("thread", f"/page-{n}/") for n in range(100)]
    response = await client.get("/api/comments/counts", params=params)
    assert response.status == 200
    assert await response.json() == {f"/page-{n}/": 0 for n in range(100)}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param([], id="no-thread"),
        pytest.param([("thread", f"/page-{n}/") for n in range(101)], id="101-threads"),
        pytest.param([("thread", "/a/"), ("thread", "b")], id="one-not-a-path"),
    ],
)
async def test_counts_refuse_a_bad_thread_list_with_400(client: TestClient, params: list[tuple[str, str]]) -> None:
    response = await client.get("/api/comments/counts", params=params)
    await json_error(response, 400)


# --- Operations ----------------------------------------------------------------------------------


async def outbox_state(client: TestClient) -> dict[str, Any]:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    outbox: dict[str, Any] = body["outbox"]
    return outbox


async def test_healthz_is_ok_and_reports_the_mail_backlog(client: TestClient, smtpd: SmtpSink) -> None:
    outbox = await outbox_state(client)
    assert outbox["pending"] == 0 and outbox["failed"] == 0

    smtpd.handler.hold.clear()  # the SMTP server takes the mail but does not answer yet
    await submit(client)
    outbox = await outbox_state(client)
    assert outbox["pending"] == 2 and outbox["failed"] == 0  # one email per moderator, waiting

    smtpd.handler.hold.set()
    await smtpd.wait_for(2)

    async def nothing_pending() -> bool:
        return (await outbox_state(client))["pending"] == 0

    await eventually(nothing_pending)
    assert (await outbox_state(client))["failed"] == 0


async def test_metrics_are_prometheus_text_counting_submissions(client: TestClient) -> None:
    await submit(client)
    await submit(client)
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    text = await response.text()
    assert "# TYPE moderation_comments_submitted_total counter" in text
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and not line.startswith("#")
    }
    assert samples["moderation_comments_submitted_total"] == 2.0
