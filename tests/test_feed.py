"""Atom feeds (RFC 4287): one thread's approved comments, and the latest of the whole site."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from aiohttp.test_utils import TestClient

from tests.conftest import SITE
from tests.factories import publish, submit
from tests.smtp import SmtpSink

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


async def fetch_feed(client: TestClient, **params: str) -> ET.Element:
    response = await client.get("/api/comments/feed", params=params)
    assert response.status == 200
    assert response.content_type == "application/atom+xml"
    return ET.fromstring(await response.read())


def assert_valid_atom(feed: ET.Element) -> None:
    """The MUSTs of RFC 4287 that a feed reader relies on."""
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{required}")) == 1, required
    assert RFC3339.match(feed.findtext(f"{ATOM}updated", ""))
    entries = feed.findall(f"{ATOM}entry")
    assert feed.findall(f"{ATOM}author") or all(e.findall(f"{ATOM}author") for e in entries)
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1, required
        assert RFC3339.match(entry.findtext(f"{ATOM}updated", ""))
        assert entry.find(f"{ATOM}author/{ATOM}name") is not None
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None


async def test_thread_feed_lists_its_approved_comments_newest_first(client: TestClient, smtpd: SmtpSink) -> None:
    first = await publish(client, smtpd, name="Early Reader", body="The *first* one.")
    second = await publish(client, smtpd, name="Later Reader", website="https://later.example")
    await submit(client, name="Still Waiting")
    await publish(client, smtpd, thread="/another-article/", name="Elsewhere")

    feed = await fetch_feed(client, thread="/how-many-ketamine-treatments/")
    assert_valid_atom(feed)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}author/{ATOM}name") for e in entries] == ["Later Reader", "Early Reader"]
    assert entries[0].findtext(f"{ATOM}author/{ATOM}uri") == "https://later.example"
    assert entries[1].findtext(f"{ATOM}content") == "<p>The <em>first</em> one.</p>"
    link = entries[0].find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href") == f"{SITE}/how-many-ketamine-treatments/#comment-{second}"
    assert first != second


async def test_site_feed_has_the_latest_approved_comments_of_every_thread(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, name="On Ketamine")
    await publish(client, smtpd, thread="/sleep-and-mood/", title="Sleep and mood", name="On Sleep")
    await submit(client, name="Not Yet")

    feed = await fetch_feed(client)
    assert_valid_atom(feed)
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert titles == ["On Sleep on Sleep and mood", "On Ketamine on How many ketamine treatments does depression take?"]


async def test_empty_and_unknown_thread_feeds_are_valid(client: TestClient) -> None:
    for params in ({"thread": "/nobody-commented/"}, {}):
        feed = await fetch_feed(client, **params)
        assert_valid_atom(feed)
        assert feed.findall(f"{ATOM}entry") == []


async def test_feed_never_carries_the_address_and_escapes_names(client: TestClient, smtpd: SmtpSink) -> None:
    await publish(client, smtpd, name="<b>Bold</b> & Co", email="private.person@example.com")
    response = await client.get("/api/comments/feed", params={"thread": "/how-many-ketamine-treatments/"})
    raw = await response.text()
    assert "private.person" not in raw.lower()
    feed = ET.fromstring(raw)  # parses: the name did not break the XML
    assert feed.findtext(f"{ATOM}entry/{ATOM}author/{ATOM}name") == "<b>Bold</b> & Co"


async def test_feed_for_a_bad_thread_is_a_clear_400(client: TestClient) -> None:
    response = await client.get("/api/comments/feed", params={"thread": "no-slash"})
    assert response.status == 400
    assert "error" in await response.json()
