"""Pages and answers around the API: the demo article, errors, headers, CORS preflight."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from moderation import views
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


async def test_the_routes_the_headers_treat_apart_are_routes_of_the_table(client: TestClient) -> None:
    named = {resource.name for resource in client.app.router.resources()}
    apart = {views.FRAGMENT, *views.API, *views.TOKEN_IN_PATH, *views.QUEUE, *views.UNMATCHED.values()}
    assert apart <= named, apart - named


async def test_an_unmatched_path_gets_the_headers_of_the_routes_it_sits_among(client: TestClient) -> None:
    api = await client.get("/api/nothing", headers={"Origin": SITE})
    assert api.status == 404 and api.headers["Access-Control-Allow-Origin"] == SITE
    for path in ("/moderate/a/b", "/unsubscribe/a/b", "/subscriptions/nothing"):
        token = await client.get(path)
        assert token.status == 404 and token.headers["Referrer-Policy"] == "no-referrer", path
    wrong_method = await client.post("/embed")
    assert wrong_method.status == 405 and "X-Frame-Options" not in wrong_method.headers
    elsewhere = await client.get("/embed/nothing")
    assert elsewhere.status == 404 and elsewhere.headers["X-Frame-Options"] == "DENY"


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
