"""POST /api/comments as the widget (JSON) and as a plain HTML form send it."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from markupsafe import escape
from pytest_aiohttp import AiohttpClient

from moderation.app import create_app
from moderation.config import Config
from tests.conftest import SITE, make_config
from tests.db import query
from tests.factories import comment_data, decide, publish, submit
from tests.smtp import SmtpSink

THREAD = "/how-many-ketamine-treatments/"
JSON = {"Content-Type": "application/json"}
FORM = "application/x-www-form-urlencoded"


async def stored_row(config: Config, comment_id: int) -> tuple[str, str, str] | None:
    """(status, thread, name) of a comment, read from the database itself."""
    rows = await query(
        config,
        "SELECT c.status, t.key, c.name FROM comments c JOIN threads t ON t.id = c.thread_id WHERE c.id = ?",
        comment_id,
    )
    return None if not rows else (str(rows[0][0]), str(rows[0][1]), str(rows[0][2]))


async def stored_count(config: Config) -> int:
    return int((await query(config, "SELECT COUNT(*) FROM comments"))[0][0])


async def public_comments(client: TestClient, thread: str = THREAD) -> list[dict[str, Any]]:
    response = await client.get("/api/comments", params={"thread": thread})
    assert response.status == 200
    comments: list[dict[str, Any]] = (await response.json())["comments"]
    return comments


async def assert_plain_json_error(response: ClientResponse, status: int) -> dict[str, Any]:
    """The answer has the status, is JSON with one sentence, and gives nothing of the code away."""
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    text = await response.text()
    assert "Traceback" not in text and ".py" not in text and "/work/" not in text
    body: dict[str, Any] = json.loads(text)
    assert isinstance(body.get("error"), str) and body["error"]
    return body


async def errors_of(client: TestClient, data: dict[str, Any]) -> dict[str, str]:
    response = await client.post("/api/comments", json=data)
    assert response.status == 422, await response.text()
    assert response.content_type == "application/json"
    errors: dict[str, str] = (await response.json())["errors"]
    assert all(isinstance(sentence, str) and sentence for sentence in errors.values())
    return errors


def without(field: str) -> dict[str, Any]:
    data = comment_data()
    del data[field]
    return data


# --- JSON: accepted ----------------------------------------------------------------------------


async def test_json_submission_is_accepted_as_pending_and_stored_but_not_published(
    client: TestClient, config: Config
) -> None:
    response = await client.post("/api/comments", json=comment_data(name="Dana Reader"))
    assert response.status == 202
    body = await response.json()
    assert set(body) == {"id", "status", "date", "manage"}
    assert isinstance(body["id"], int) and body["status"] == "pending"
    assert re.fullmatch(re.escape(config.public_url) + r"/mine/[\w-]{32}", body["manage"])  # the writer's own link
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", body["date"])  # today, as the widget shows it

    assert await public_comments(client) == []
    assert await stored_row(config, body["id"]) == ("pending", THREAD, "Dana Reader")


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"name": "x" * 100}, id="name-of-exactly-100-chars"),
        pytest.param({"name": "🙂" * 100}, id="name-of-100-emoji"),
        pytest.param({"body": "b" * 10_000}, id="body-of-exactly-10000-chars"),
        pytest.param({"name": "Zoë 王 🙂"}, id="name-with-accents-cjk-emoji"),
        pytest.param({"website": "https://dana.example/about?x=1"}, id="https-website"),
        pytest.param({"website": "http://dana.example"}, id="http-website"),
        pytest.param({"thread": "/" + "p" * 511}, id="thread-of-exactly-512-chars"),
    ],
)
async def test_boundary_values_are_accepted_and_stored_as_sent(
    client: TestClient, config: Config, overrides: dict[str, Any]
) -> None:
    comment_id = await submit(client, **overrides)
    row = await stored_row(config, comment_id)
    assert row is not None and row[0] == "pending"
    if "name" in overrides:
        assert row[2] == overrides["name"]
    if "thread" in overrides:
        assert row[1] == overrides["thread"]


async def test_unknown_extra_fields_are_ignored_and_cannot_publish_the_comment(
    client: TestClient, config: Config
) -> None:
    data = comment_data(status="approved", id=1, approved=True, avatar="chosen", created="2000-01-01T00:00:00Z")
    response = await client.post("/api/comments", json=data)
    assert response.status == 202
    comment_id = (await response.json())["id"]
    assert await public_comments(client) == []
    row = await stored_row(config, comment_id)
    assert row is not None and row[0] == "pending"


# --- JSON: every validation rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(without("thread"), "thread", id="thread-missing"),
        pytest.param(comment_data(thread="how-many/"), "thread", id="thread-not-starting-with-slash"),
        pytest.param(comment_data(thread="https://blog.example/x/"), "thread", id="thread-is-a-url"),
        pytest.param(comment_data(thread="/" + "p" * 512), "thread", id="thread-over-512-chars"),
        pytest.param(without("name"), "name", id="name-missing"),
        pytest.param(comment_data(name=""), "name", id="name-empty"),
        pytest.param(comment_data(name="     "), "name", id="name-spaces-only"),
        pytest.param(comment_data(name=" \u3000 \u00a0 "), "name", id="name-unicode-whitespace-only"),
        pytest.param(comment_data(name="x" * 101), "name", id="name-over-100-chars"),
        pytest.param(comment_data(name="Dana\x07Reader"), "name", id="name-with-control-char"),
        pytest.param(comment_data(name="Dana\x00Reader"), "name", id="name-with-nul"),
        pytest.param(comment_data(name="Dana \u202eredaeR"), "name", id="name-with-bidi-override"),
        pytest.param(comment_data(name="Da\u200bna"), "name", id="name-with-zero-width-space"),
        pytest.param(comment_data(name="Dana\u2028Reader"), "name", id="name-with-line-separator"),
        pytest.param(comment_data(name="Dana\u2029Reader"), "name", id="name-with-paragraph-separator"),
        pytest.param(comment_data(name=None), "name", id="name-null"),
        pytest.param(comment_data(name=["Dana"]), "name", id="name-a-list"),
        pytest.param(without("email"), "email", id="email-missing"),
        pytest.param(comment_data(email=""), "email", id="email-empty"),
        pytest.param(comment_data(email="dana.reader"), "email", id="email-without-at"),
        pytest.param(comment_data(email="dana@"), "email", id="email-without-domain"),
        pytest.param(comment_data(email="dana reader@example.com"), "email", id="email-with-space"),
        pytest.param(
            comment_data(email="a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".com"), "email", id="email-over-254-chars"
        ),
        pytest.param(comment_data(website="javascript:alert(1)"), "website", id="website-javascript"),
        pytest.param(comment_data(website="ftp://x"), "website", id="website-ftp"),
        pytest.param(comment_data(website="data:text/html,hi"), "website", id="website-data"),
        pytest.param(comment_data(website="https://dana example.com/"), "website", id="website-with-space"),
        pytest.param(comment_data(website="https://"), "website", id="website-without-host"),
        pytest.param(without("body"), "body", id="body-missing"),
        pytest.param(comment_data(body=""), "body", id="body-empty"),
        pytest.param(comment_data(body=" \n\t "), "body", id="body-whitespace-only"),
        pytest.param(comment_data(body="b" * 10_001), "body", id="body-over-10000-chars"),
        pytest.param(comment_data(body="before\x00after"), "body", id="body-with-nul"),
        pytest.param(comment_data(body={"text": "hi"}), "body", id="body-an-object"),
        pytest.param(comment_data(parent="abc"), "parent", id="parent-not-a-number"),
        pytest.param(comment_data(parent=1.5), "parent", id="parent-a-fraction"),
        pytest.param(comment_data(parent=0), "parent", id="parent-zero"),
        pytest.param(comment_data(parent=-3), "parent", id="parent-negative"),
        pytest.param(comment_data(parent=[1]), "parent", id="parent-a-list"),
        pytest.param(comment_data(parent=424242), "parent", id="parent-that-does-not-exist"),
        pytest.param(comment_data(parent=2**63), "parent", id="parent-too-large-for-the-database"),
        pytest.param(comment_data(title="t" * 301), "title", id="title-over-300-chars"),
    ],
)
async def test_each_invalid_field_is_refused_with_422_naming_it(
    client: TestClient, config: Config, data: dict[str, Any], field: str
) -> None:
    errors = await errors_of(client, data)
    assert field in errors, errors
    assert await stored_count(config) == 0
    assert await public_comments(client) == []


async def test_several_invalid_fields_give_one_error_each(client: TestClient, config: Config) -> None:
    errors = await errors_of(
        client, comment_data(thread="nope", name="", email="not-an-address", website="ftp://x", body="")
    )
    assert set(errors) == {"thread", "name", "email", "website", "body"}
    assert len(set(errors.values())) >= 4  # each says what is wrong with its own field
    assert await stored_count(config) == 0


@pytest.mark.parametrize("field", ["name", "body", "email", "thread"])
async def test_lone_surrogate_in_raw_json_is_refused_with_422_not_500(
    client: TestClient, config: Config, field: str
) -> None:
    # json.dumps would escape it away, so write the JSON text by hand: "\ud800" is legal JSON
    # syntax but not a character.
    text = json.dumps(comment_data(**{field: "SURROGATE"})).replace('"SURROGATE"', '"a\\ud800b"')
    response = await client.post("/api/comments", data=text.encode(), headers=JSON)
    assert response.status == 422, await response.text()
    assert field in (await response.json())["errors"]
    assert await stored_count(config) == 0


async def test_reply_to_a_pending_comment_is_refused(client: TestClient, config: Config) -> None:
    pending = await submit(client)
    errors = await errors_of(client, comment_data(parent=pending))
    assert "parent" in errors
    assert await stored_count(config) == 1


async def test_reply_to_an_approved_comment_of_another_thread_is_refused(
    client: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    approved = await publish(client, smtpd, thread="/another-article/")
    errors = await errors_of(client, comment_data(parent=approved, thread=THREAD))
    assert "parent" in errors
    reply = await client.post("/api/comments", json=comment_data(parent=approved, thread="/another-article/"))
    assert reply.status == 202
    row = await stored_row(config, (await reply.json())["id"])
    assert row is not None and row[1] == "/another-article/"


# --- JSON: refused before validation -------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        pytest.param(b'{"thread": "/a/", "name": ', "application/json", id="malformed-json"),
        pytest.param(b"", "application/json", id="empty-body"),
        pytest.param(json.dumps([comment_data()]).encode(), "application/json", id="json-array"),
        pytest.param(b'"just a string"', "application/json", id="json-string"),
        pytest.param(b"[" * 10_000 + b"]" * 10_000, "application/json", id="json-nested-too-deep"),
        pytest.param(json.dumps(comment_data()).encode(), "text/plain", id="text-plain"),
        pytest.param(
            b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nDana\r\n--xyz--\r\n',
            "multipart/form-data; boundary=xyz",
            id="multipart-form-data",
        ),
        pytest.param(
            json.dumps(comment_data(name="NAME")).encode().replace(b"NAME", b"Zo\xff\xfe"),
            "application/json",
            id="json-invalid-utf8",
        ),
    ],
)
async def test_unreadable_requests_get_400_with_a_json_sentence(
    client: TestClient, config: Config, payload: bytes, content_type: str
) -> None:
    response = await client.post("/api/comments", data=payload, headers={"Content-Type": content_type})
    body = await assert_plain_json_error(response, 400)
    assert set(body) == {"error"}
    assert await stored_count(config) == 0


async def test_form_with_invalid_utf8_gets_a_400_page_without_a_stack_trace(client: TestClient, config: Config) -> None:
    # A browser posting a form gets a page back, not JSON, like every other answer to a form.
    payload = b"thread=%2F&name=Zo\xff\xfe&email=zoe%40example.com&body=hi"
    response = await client.post("/api/comments", data=payload, headers={"Content-Type": FORM})
    assert response.status == 400
    assert response.content_type == "text/html"
    text = await response.text()
    assert "Traceback" not in text and ".py" not in text and "/work/" not in text
    assert await stored_count(config) == 0


async def test_request_without_content_type_gets_400(client: TestClient) -> None:
    response = await client.post(
        "/api/comments", data=json.dumps(comment_data()).encode(), skip_auto_headers=["Content-Type"]
    )
    assert "Content-Type" not in response.request_info.headers
    await assert_plain_json_error(response, 400)


async def test_json_body_over_64_kib_gets_413_json(client: TestClient, config: Config) -> None:
    payload = json.dumps(comment_data(body="b" * (64 * 1024))).encode()
    response = await client.post("/api/comments", data=payload, headers=JSON)
    await assert_plain_json_error(response, 413)
    assert await stored_count(config) == 0


async def test_form_body_over_64_kib_gets_413_without_a_stack_trace(client: TestClient, config: Config) -> None:
    response = await client.post("/api/comments", data=comment_data(body="b" * (64 * 1024)), allow_redirects=False)
    assert response.status == 413
    text = await response.text()
    assert "too large" in text
    assert "Traceback" not in text and ".py" not in text and "/work/" not in text
    assert await stored_count(config) == 0


# --- Rate limit ----------------------------------------------------------------------------------


async def limited_client(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink, **overrides: Any
) -> TestClient:
    config = make_config(tmp_path, smtpd.port, rate_limit="2/minute", **overrides)
    return await aiohttp_client(create_app(config))


async def post_from(client: TestClient, forwarded_for: str | None = None) -> ClientResponse:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return await client.post("/api/comments", json=comment_data(), headers=headers)


async def test_third_submission_within_a_minute_gets_429_with_retry_after(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink
) -> None:
    client = await limited_client(aiohttp_client, tmp_path, smtpd)
    assert (await post_from(client)).status == 202
    assert (await post_from(client)).status == 202
    refused = await post_from(client)
    await assert_plain_json_error(refused, 429)
    retry_after = refused.headers["Retry-After"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    config = make_config(tmp_path, smtpd.port)
    assert await stored_count(config) == 2


async def test_form_post_over_the_rate_limit_gets_429_with_retry_after(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink
) -> None:
    client = await limited_client(aiohttp_client, tmp_path, smtpd)
    for expected in (303, 303, 429):
        response = await client.post("/api/comments", data=comment_data(), allow_redirects=False)
        assert response.status == expected
    assert int(response.headers["Retry-After"]) >= 1
    # Not a dead end: the page names the article and links back to it.
    page = await response.text()
    assert "Your comment on" in page and "How many ketamine treatments does depression take?" in page
    assert f'href="{SITE}/how-many-ketamine-treatments/"' in page


async def test_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_limit(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink
) -> None:
    client = await limited_client(aiohttp_client, tmp_path, smtpd)
    assert (await post_from(client, "203.0.113.1")).status == 202
    assert (await post_from(client, "203.0.113.2")).status == 202
    assert (await post_from(client, "203.0.113.3")).status == 429


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink
) -> None:
    client = await limited_client(
        aiohttp_client, tmp_path, smtpd, trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),)
    )
    for _ in range(2):
        assert (await post_from(client, "203.0.113.1")).status == 202
    assert (await post_from(client, "203.0.113.1")).status == 429
    assert (await post_from(client, "203.0.113.2")).status == 202
    assert (await post_from(client, "203.0.113.2, 127.0.0.9")).status == 202  # a trusted hop is skipped
    assert (await post_from(client, "203.0.113.2")).status == 429


async def test_behind_a_trusted_proxy_forged_left_hops_do_not_dodge_the_limit(
    aiohttp_client: AiohttpClient, tmp_path: Path, smtpd: SmtpSink
) -> None:
    client = await limited_client(
        aiohttp_client, tmp_path, smtpd, trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),)
    )
    # The client writes whatever it likes on the left; the proxy appends the address it saw.
    assert (await post_from(client, "198.51.100.1, 203.0.113.7")).status == 202
    assert (await post_from(client, "198.51.100.2, 203.0.113.7")).status == 202
    assert (await post_from(client, "198.51.100.3, 203.0.113.7")).status == 429


# --- HTML form -----------------------------------------------------------------------------------


async def test_form_post_redirects_back_to_an_allowed_return_to_with_the_pending_anchor(
    client: TestClient, config: Config
) -> None:
    return_to = f"{SITE}/how-many-ketamine-treatments/?ref=mail&pending=old#respond"
    response = await client.post("/api/comments", data=comment_data(return_to=return_to), allow_redirects=False)
    assert response.status == 303
    location = response.headers["Location"]
    # The page's own query is kept, with a fresh note for it to show the reader their comment.
    assert re.fullmatch(
        rf"{re.escape(SITE)}/how-many-ketamine-treatments/\?ref=mail&pending=[\w.-]+#comment-pending", location
    ), location
    assert await stored_count(config) == 1
    assert await public_comments(client) == []


async def test_the_note_in_the_return_address_shows_that_reader_their_comment_and_nobody_else_anything(
    client: TestClient, config: Config, smtpd: SmtpSink
) -> None:
    form = comment_data(thread="/", body="My *own* words.", return_to=f"{config.public_url}/")
    response = await client.post("/api/comments", data=form, allow_redirects=False)
    note = re.search(r"pending=([\w.-]+)", response.headers["Location"])
    assert note
    mine = await (await client.get("/", params={"pending": note.group(1)})).text()
    assert "My <em>own</em> words." in mine and "Awaiting moderation" in mine
    assert "private" in (await client.get("/", params={"pending": note.group(1)})).headers["Cache-Control"]
    for other in ("", "forged." + note.group(1), note.group(1)[:-2]):
        assert "My <em>own</em> words." not in await (await client.get("/", params={"pending": other})).text()
    # Another page does not show it, and once a moderator has decided the note shows nothing.
    elsewhere = await client.get("/embed", params={"thread": "/other/", "pending": note.group(1)})
    assert "My <em>own</em> words." not in await elsewhere.text()
    embedded = await client.get("/embed", params={"thread": "/", "pending": note.group(1)})
    assert "My <em>own</em> words." in await embedded.text()
    ((comment_id,),) = await query(config, "SELECT id FROM comments")
    await decide(client, smtpd, comment_id, "reject")
    assert "My <em>own</em> words." not in await (await client.get("/", params={"pending": note.group(1)})).text()


async def test_the_demo_page_form_comes_back_to_the_article_when_its_origin_is_not_among_the_allowed(
    client: TestClient, config: Config
) -> None:
    assert config.public_origin not in config.allowed_origins
    page = await (await client.get("/")).text()
    return_to = form_field(page, "return_to")
    response = await client.post("/api/comments", data=comment_data(return_to=return_to), allow_redirects=False)
    assert response.headers["Location"].startswith(f"{config.public_url}/?pending=")
    assert response.headers["Location"].endswith("#comment-pending")
    assert config.public_origin in (await client.get("/")).headers["Content-Security-Policy"].split("form-action")[1]


@pytest.mark.parametrize(
    "return_to",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("https://evil.example/how-many-ketamine-treatments/", id="another-origin"),
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("//evil.example/x", id="scheme-relative"),
        pytest.param(f"{SITE}@evil.example/x", id="allowed-origin-as-userinfo"),
        pytest.param("http://blog.clinic.example/x", id="allowed-host-other-scheme"),
        pytest.param(f"{SITE}.evil.example/x", id="allowed-origin-as-prefix"),
        pytest.param("/how-many-ketamine-treatments/", id="bare-path"),
    ],
)
async def test_form_post_with_no_safe_return_to_lands_on_the_thank_you_page(
    client: TestClient, config: Config, return_to: str | None
) -> None:
    data = comment_data() if return_to is None else comment_data(return_to=return_to)
    response = await client.post("/api/comments", data=data, allow_redirects=False)
    assert response.status == 303
    location = response.headers["Location"]
    assert location.startswith("/thanks?pending=")
    assert await stored_count(config) == 1

    page = await client.get(location)
    assert page.status == 200
    text = await page.text()
    assert "awaiting moderation" in text and data["body"] in text  # the reader's own comment
    # Named, and linked on the site's own origin, whatever the form said. By the page's title,
    # which no approved comment gave yet, not the form's: the page's address can be passed on.
    assert f'<a href="{SITE}/how-many-ketamine-treatments/">/how-many-ketamine-treatments/</a>' in text


def form_field(page: str, name: str) -> str:
    """The value attribute of the input called `name`, as written in the HTML."""
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="([^"]*)"', page)
    assert found, f"no input {name} in the page"
    return found.group(1)


async def test_invalid_form_shows_the_form_again_with_every_value_kept_and_escaped(
    client: TestClient, config: Config
) -> None:
    data = comment_data(
        name="<b>Zoë</b>",
        email="zoe@@example.com",
        website='https://zoe.example/?a=1&b="2"',
        body="</textarea><script>alert(1)</script> I wonder & ask",
        return_to=f"{SITE}/how-many-ketamine-treatments/",
    )
    response = await client.post("/api/comments", data=data, allow_redirects=False)
    assert response.status == 422
    assert response.content_type == "text/html"
    page = await response.text()

    assert "<b>Zoë</b>" not in page and "<script>alert(1)" not in page
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert textarea is not None
    shown = {field: form_field(page, field) for field in ("name", "email", "website", "thread", "return_to")}
    shown["body"] = textarea.group(1)
    for field, raw in shown.items():
        assert "<" not in raw and ">" not in raw, (field, raw)  # escaped, so the markup stays as typed text
        assert unescape(raw) == data[field], field
    assert shown["name"] == "&lt;b&gt;Zoë&lt;/b&gt;"
    assert await stored_count(config) == 0
    # Not a dead end: the article is named and linked.
    assert f'<a href="{SITE}/how-many-ketamine-treatments/">How many ketamine treatments' in page


@pytest.mark.parametrize("thread", ["/fine/", "@evil.example/x", "//evil.example/x", "x"])
async def test_the_check_your_comment_page_links_only_to_the_allowed_origin(client: TestClient, thread: str) -> None:
    data = comment_data(thread=thread, email="nope", return_to="https://evil.example/x")
    page = await (await client.post("/api/comments", data=data, allow_redirects=False)).text()
    links = [unescape(link) for link in re.findall(r'<a href="([^"]*)"', page)]
    # The service's own pages (its "Your data" page) aside, every link goes to the site.
    elsewhere = [link for link in links if not (link.startswith("/") and not link.startswith("//"))]
    assert all(urlsplit(link).netloc == urlsplit(SITE).netloc for link in elsewhere), links
    assert bool(elsewhere) == thread.startswith("/")  # a thread that is no path names no page


def control_at(page: str, field: str) -> int:
    """Where the form control for `field` starts in the page."""
    found = re.search(rf'<(input|textarea)[^>]*\bname="{field}"', page)
    assert found, f"no control for {field}"
    return found.start()


async def test_invalid_form_puts_each_error_beside_its_field(client: TestClient) -> None:
    data = comment_data(name="", email="nope", website="javascript:alert(1)", body="")
    response = await client.post("/api/comments", data=data, allow_redirects=False)
    assert response.status == 422
    page = await response.text()
    sentences = await errors_of(client, data)
    assert set(sentences) == {"name", "email", "website", "body"}

    order = sorted(sentences, key=lambda field: control_at(page, field))  # as the form lays them out
    ends = [control_at(page, field) for field in order[1:]] + [page.index("</form>")]
    for field, end in zip(order, ends, strict=True):
        message = str(escape(sentences[field]))
        assert page.count(message) == 1, (field, message)
        # Shown after its own control and before the next one: beside the field it is about.
        assert control_at(page, field) < page.index(message) < end, field


async def test_invalid_form_reply_to_a_pending_comment_shows_the_parent_error(client: TestClient) -> None:
    pending = await submit(client)
    data = comment_data(parent=str(pending), name="Zoë")
    response = await client.post("/api/comments", data=data, allow_redirects=False)
    assert response.status == 422
    page = await response.text()
    assert str(escape((await errors_of(client, data))["parent"])) in page
    assert form_field(page, "name") == "Zoë"
    assert form_field(page, "parent") == str(pending)


# --- CORS ----------------------------------------------------------------------------------------


async def test_api_answers_allow_the_site_origin(client: TestClient) -> None:
    headers = {"Origin": SITE}
    accepted = await client.post("/api/comments", json=comment_data(), headers=headers)
    invalid = await client.post("/api/comments", json=comment_data(name=""), headers=headers)
    listed = await client.get("/api/comments", params={"thread": THREAD}, headers=headers)
    counted = await client.get("/api/comments/counts", params={"thread": THREAD}, headers=headers)
    for response, status in ((accepted, 202), (invalid, 422), (listed, 200), (counted, 200)):
        assert response.status == status
        assert response.headers.get("Access-Control-Allow-Origin") == SITE
        assert "Origin" in response.headers.getall("Vary", [])


async def test_api_answers_do_not_allow_another_origin(client: TestClient) -> None:
    headers = {"Origin": "https://evil.example"}
    accepted = await client.post("/api/comments", json=comment_data(), headers=headers)
    listed = await client.get("/api/comments", params={"thread": THREAD}, headers=headers)
    for response in (accepted, listed):
        assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_preflight_from_the_site_lets_the_widget_post_json(client: TestClient) -> None:
    # A cross-origin POST with Content-Type: application/json is preceded by a preflight; the
    # browser sends the POST only if this answer is a 2xx that allows the origin, method and header.
    response = await client.options(
        "/api/comments",
        headers={
            "Origin": SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert 200 <= response.status < 300, response.status
    assert response.headers.get("Access-Control-Allow-Origin") == SITE
    assert "POST" in response.headers.get("Access-Control-Allow-Methods", "").upper()
    assert "content-type" in response.headers.get("Access-Control-Allow-Headers", "").lower()


async def test_cors_preflight_from_another_origin_is_not_allowed(client: TestClient) -> None:
    response = await client.options(
        "/api/comments",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers


# --- The address is never published --------------------------------------------------------------


def traces_of(address: str) -> list[str]:
    """The address and the plain digests that would give it away."""
    traces = []
    for form in {address, address.lower(), address.strip().lower()}:
        data = form.encode()
        traces += [form.lower(), hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()]
    return traces


async def test_the_submitted_email_address_never_appears_in_a_public_answer(
    client: TestClient, smtpd: SmtpSink
) -> None:
    address = "Zoe.Private@Example.com"
    accepted = await client.post("/api/comments", json=comment_data(email=address, thread="/"))
    assert accepted.status == 202
    answers = [accepted]
    await publish(client, smtpd, email=address, thread="/")
    await publish(client, smtpd, email=address, thread=THREAD)
    answers.append(await client.get("/api/comments", params={"thread": "/"}))
    answers.append(await client.get("/api/comments", params={"thread": THREAD}))
    answers.append(await client.get("/api/comments/counts", params=[("thread", "/"), ("thread", THREAD)]))
    answers.append(await client.get("/"))
    answers.append(await client.get("/api/comments/feed", params={"thread": THREAD}))
    answers.append(await client.get("/embed", params={"thread": THREAD}))
    form = comment_data(email=address, return_to=f"{SITE}/x/")
    answers.append(await client.post("/api/comments", data=form, allow_redirects=False))

    listed = await answers[2].json()
    assert listed["count"] == 1  # the comment really is public, so the check below means something
    for page in answers[4:7]:  # the article, the feed and the fragment show the comment
        assert "Dana Reader" in await page.text(), page.url
    for response in answers:
        assert response.status in (200, 202, 303)
        seen = ((await response.text()) + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())).lower()
        for trace in traces_of(address):
            assert trace not in seen, (response.url, trace)
