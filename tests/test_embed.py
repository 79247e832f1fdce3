"""What pages embed, seen from the server: the fragment, the avatars, the widget file."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from aiohttp.test_utils import TestClient

from moderation.avatars import identicon
from tests.conftest import PUBLIC_URL, SITE
from tests.factories import publish, submit
from tests.smtp import SmtpSink


async def test_fragment_renders_the_thread_and_a_form_posting_to_the_service(
    client: TestClient, smtpd: SmtpSink
) -> None:
    parent = await publish(client, smtpd, name="Quinn", website="https://quinn.example")
    await publish(client, smtpd, name="Riley", parent=parent)
    await submit(client, name="Pending Person")

    response = await client.get("/embed", params={"thread": "/how-many-ketamine-treatments/", "title": "Ketamine"})
    assert response.status == 200
    html = await response.text()
    assert "<html" not in html  # a fragment, to be included in a page
    assert f'action="{PUBLIC_URL}/api/comments"' in html
    assert f'href="{PUBLIC_URL}/static/embed.css"' in html
    assert '<a class="mod-author" href="https://quinn.example" rel="nofollow ugc noopener">Quinn</a>' in html
    assert html.index("Quinn") < html.index('class="mod-list mod-replies"') < html.index("Riley")
    assert "Pending Person" not in html
    assert "2 comments" in html
    assert 'name="title" value="Ketamine"' in html
    assert f'name="return_to" value="{SITE}/how-many-ketamine-treatments/"' in html


async def test_fragment_sends_readers_back_to_the_given_page_only_on_allowed_origins(client: TestClient) -> None:
    own = await client.get("/embed", params={"thread": "/a/", "url": f"{SITE}/blog/a/?ref=x"})
    assert f'name="return_to" value="{SITE}/blog/a/?ref=x"' in await own.text()
    other = await client.get("/embed", params={"thread": "/a/", "url": "https://evil.example/a/"})
    assert f'name="return_to" value="{SITE}/a/"' in await other.text()


async def test_fragment_may_be_framed_by_the_site_only(client: TestClient) -> None:
    response = await client.get("/embed", params={"thread": "/a/"})
    assert f"frame-ancestors {SITE}" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    article = await client.get("/")
    assert article.headers["X-Frame-Options"] == "DENY"


async def test_fragment_needs_a_thread(client: TestClient) -> None:
    response = await client.get("/embed")
    assert response.status == 400


async def test_avatars_are_identicons_served_for_a_year(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, email="Same.Person@example.com")
    await publish(client, smtpd, email="same.person@example.com")
    await publish(client, smtpd, email="someone.else@example.com")
    comments = (await (await client.get("/api/comments", params={"thread": "/how-many-ketamine-treatments/"})).json())[
        "comments"
    ]
    keys = [c["avatar"] for c in comments]
    assert keys[0] == keys[1] != keys[2]

    response = await client.get(f"/avatar/{keys[0]}.svg")
    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
    svg = ET.fromstring(await response.read())
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert await response.text() == identicon(keys[0])
    assert identicon(keys[0]) != identicon(keys[2])


async def test_unknown_avatar_shapes_are_404(client: TestClient) -> None:
    for key in ("xyz", "0" * 31, "G" * 32, "../../etc/passwd"):
        assert (await client.get(f"/avatar/{key}.svg")).status == 404


async def test_widget_script_is_served_as_javascript_with_caching(client: TestClient) -> None:
    response = await client.get("/embed.js")
    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert "max-age" in response.headers["Cache-Control"]
    again = await client.get("/embed.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status == 304
    assert (await client.get("/static/nothing.js")).status == 404
    assert (await client.get("/static/..%2Fpyproject.toml")).status == 404
