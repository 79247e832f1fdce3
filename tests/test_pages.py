"""Pages and answers around the API: the demo article, errors, headers, CORS preflight."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import SITE
from tests.factories import publish
from tests.smtp import SmtpSink


async def test_demo_article_shows_approved_comments_and_a_plain_form(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, thread="/", name="Morgan", body="My *third* session helped most.")
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    assert "How many ketamine treatments does depression take?" in page
    assert "Morgan" in page and "<em>third</em>" in page
    assert "1 comment" in page
    assert '<form class="mod-form" method="post" action="/api/comments"' in page
    for label in ("Name", "Email", "Website", "Comment"):
        assert f">{label} " in page or f">{label}<" in page
    assert "Your email address will not be published." in page


async def test_replies_are_nested_under_their_parent_on_the_article(client: TestClient, smtpd: SmtpSink) -> None:
    parent = await publish(client, smtpd, thread="/", name="First Reader")
    await publish(client, smtpd, thread="/", name="Second Reader", parent=parent)
    page = await (await client.get("/")).text()
    parent_item = page.index(f'id="comment-{parent}"')
    reply_item = page.index("Second Reader")
    assert parent_item < reply_item
    assert page.count('<ol class="mod-list">') == 1
    assert page.count('<ol class="mod-list mod-replies">') == 1


async def test_unknown_api_path_answers_json_and_unknown_page_answers_html(client: TestClient) -> None:
    api = await client.get("/api/nothing-here")
    assert api.status == 404
    assert api.content_type == "application/json"
    assert set(await api.json()) == {"error"}

    page = await client.get("/nothing-here")
    assert page.status == 404
    assert page.content_type == "text/html"


async def test_wrong_method_is_405_with_allow_and_json(client: TestClient) -> None:
    response = await client.delete("/api/comments")
    assert response.status == 405
    assert "POST" in response.headers["Allow"]
    assert "error" in await response.json()


async def test_every_answer_carries_security_headers(client: TestClient) -> None:
    for path in ("/", "/thanks", "/api/comments?thread=/", "/healthz", "/static/style.css", "/nope"):
        response = await client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], path


async def test_preflight_answers_allowed_origins_only(client: TestClient) -> None:
    allowed = await client.options("/api/comments", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in allowed.headers["Access-Control-Allow-Headers"]

    other = await client.options(
        "/api/comments", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Methods" not in other.headers


async def test_dev_mailbox_is_absent_when_a_real_smtp_server_is_configured(client: TestClient) -> None:
    assert (await client.get("/dev/mailbox")).status == 404
