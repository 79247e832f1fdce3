"""What search engines read on the fragment and the demo article: the approved comments as
schema.org JSON-LD, replies under their parents, nothing pending and never an address."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, Page

from tests.browser import Stack, Watch, open_widget, watched_page
from tests.conftest import PUBLIC_URL, SITE
from tests.factories import publish, submit
from tests.smtp import SmtpSink
from tests.waiting import eventually

THREAD = "/how-many-ketamine-treatments/"
TITLE = "How many ketamine treatments does depression take?"  # the factories' and the demo article's
HOSTILE = "</script><script>alert(1)</script>"
# Each page: its path on the service, the thread it shows, the page its comments are on.
PAGES = {
    "fragment": ("/embed", THREAD, f"{SITE}{THREAD}"),
    "demo article": ("/", "/", f"{PUBLIC_URL}/"),
}


class Scripts(HTMLParser):
    """Every <script> of a page as a browser parses it: its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append((dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        # Inside <script> html.parser, like a browser, reads everything up to "</script" as text.
        if self.found and self.lasttag == "script" and self.found[-1][1] == "":
            self.found[-1] = (self.found[-1][0], data)


def scripts(html: str) -> list[tuple[dict[str, str | None], str]]:
    parser = Scripts()
    parser.feed(html)
    parser.close()
    return parser.found


def json_ld_text(html: str) -> str:
    (text,) = [text for attrs, text in scripts(html) if attrs.get("type") == "application/ld+json"]
    return text


def json_ld(html: str) -> dict[str, Any]:
    data = json.loads(json_ld_text(html))
    assert isinstance(data, dict)
    return data


def every_comment(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The Comments under a node, each once, replies after their parent."""
    found = []
    for comment in node.get("comment", []):
        found += [comment, *every_comment(comment)]
    return found


def by_id(data: dict[str, Any]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for comment in every_comment(data):
        anchor = re.fullmatch(r".*#comment-(\d+)", comment["url"])
        assert anchor, comment["url"]
        assert int(anchor.group(1)) not in found, "a comment is in the JSON-LD twice"
        found[int(anchor.group(1))] = comment
    return found


async def page_html(client: TestClient, page: str, **params: str) -> str:
    path, thread, _ = PAGES[page]
    response = await client.get(path, params={"thread": thread, **params} if path == "/embed" else params)
    assert response.status == 200, await response.text()
    return await response.text()


@pytest.mark.parametrize("page", PAGES)
async def test_each_approved_comment_is_a_schema_org_comment_with_replies_under_their_parent(
    client: TestClient, smtpd: SmtpSink, page: str
) -> None:
    _, thread, page_url = PAGES[page]
    first = await publish(
        client,
        smtpd,
        thread=thread,
        name="Quinn",
        email="Quinn.Writer@example.com",
        website="https://quinn.example",
        body="Six sessions were enough for me.",
    )
    reply = await publish(
        client, smtpd, thread=thread, name="Riley", email="riley.r@example.com", parent=first, body="Glad to hear it."
    )
    second = await publish(client, smtpd, thread=thread, name="Sam", email="sam.s@example.com", body="The *third* one.")
    await submit(client, thread=thread, name="Pending Person", email="pending.p@example.com", body="Not yet seen.")

    html = await page_html(client, page)
    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["headline"] == TITLE
    assert data["url"] == page_url
    assert data["commentCount"] == 3
    comments = by_id(data)
    assert set(comments) == {first, reply, second}
    assert [comment["url"] for comment in data["comment"]] == [
        f"{page_url}#comment-{first}",
        f"{page_url}#comment-{second}",
    ]
    assert [answer["url"] for answer in comments[first]["comment"]] == [f"{page_url}#comment-{reply}"]
    for comment_id, comment in comments.items():
        assert comment["@type"] == "Comment"
        assert f'id="comment-{comment_id}"' in html  # the anchor the page itself has
        assert datetime.fromisoformat(comment["dateCreated"]).tzinfo is not None
    assert comments[first]["author"] == {"@type": "Person", "name": "Quinn", "url": "https://quinn.example"}
    assert comments[reply]["author"] == {"@type": "Person", "name": "Riley"}
    # The text a reader sees, not its HTML or Markdown.
    texts = {comment_id: comment["text"] for comment_id, comment in comments.items()}
    assert texts == {first: "Six sessions were enough for me.", reply: "Glad to hear it.", second: "The third one."}

    text = json_ld_text(html).lower()
    for address in ("Quinn.Writer@example.com", "riley.r@example.com", "sam.s@example.com", "pending.p@example.com"):
        assert address.lower() not in text and address.split("@")[0].lower() not in text
    assert "pending person" not in text and "not yet seen" not in text


@pytest.mark.parametrize("page", PAGES)
async def test_a_body_that_closes_the_script_stays_inside_the_json(
    client: TestClient, smtpd: SmtpSink, page: str
) -> None:
    _, thread, _ = PAGES[page]
    await publish(client, smtpd, thread=thread, body=f"Try this: {HOSTILE} & see.")

    html = await page_html(client, page)
    found = scripts(html)
    assert [attrs.get("type") for attrs, _ in found].count("application/ld+json") == 1
    assert all("src" in attrs or attrs.get("type") == "application/ld+json" for attrs, _ in found), found
    (comment,) = every_comment(json_ld(html))
    assert comment["text"] == f"Try this: {HOSTILE} & see."
    assert "<" not in json_ld_text(html) and "&" not in json_ld_text(html)


async def test_the_text_keeps_paragraphs_line_breaks_and_list_items_and_drops_the_markup(
    client: TestClient, smtpd: SmtpSink
) -> None:
    body = "First *point*, see [the guide](https://guide.example/).\n\nA line\nand the next\n\n- one\n- two  &  three"
    await publish(client, smtpd, body=body)
    (comment,) = every_comment(json_ld(await page_html(client, "fragment")))
    assert comment["text"] == "First point, see the guide.\n\nA line\nand the next\n\none\ntwo & three"


async def test_the_fragment_names_the_title_it_is_given_else_the_one_the_thread_has(
    client: TestClient, smtpd: SmtpSink
) -> None:
    assert "headline" not in json_ld(await page_html(client, "fragment"))  # nothing known yet
    await publish(client, smtpd, title="Sessions, explained")
    assert json_ld(await page_html(client, "fragment"))["headline"] == "Sessions, explained"
    given = await page_html(client, "fragment", title="Ketamine: how many sessions?")
    assert json_ld(given)["headline"] == "Ketamine: how many sessions?"


async def test_the_json_ld_changes_with_the_thread(client: TestClient, smtpd: SmtpSink) -> None:
    first = await publish(client, smtpd)
    before = json_ld(await page_html(client, "fragment"))
    assert (before["commentCount"], set(by_id(before))) == (1, {first})
    reply = await publish(client, smtpd, parent=first)
    after = json_ld(await page_html(client, "fragment"))
    assert (after["commentCount"], set(by_id(after))) == (2, {first, reply})
    # The JSON API's cache of the thread is refreshed by the same approval.
    listed = await (await client.get("/api/comments", params={"thread": THREAD})).json()
    assert [comment["id"] for comment in listed["comments"]] == [first, reply]


async def test_the_readers_own_pending_comment_shows_on_the_page_but_not_in_the_json_ld(client: TestClient) -> None:
    form = {
        "thread": "/",
        "title": TITLE,
        "name": "Morgan",
        "email": "morgan.m@example.com",
        "body": "My own words, still waiting.",
        "return_to": f"{PUBLIC_URL}/",
    }
    response = await client.post("/api/comments", data=form, allow_redirects=False)
    note = re.search(r"pending=([\w.-]+)", response.headers["Location"])
    assert note
    html = await page_html(client, "demo article", pending=note.group(1))
    assert "My own words, still waiting." in html and "Awaiting moderation" in html
    data = json_ld(html)
    assert (data["commentCount"], data["comment"]) == (0, [])
    assert "morgan" not in json_ld_text(html).lower()


# --- in Chromium ---------------------------------------------------------------------------------

# Every policy violation the page reports, recorded before any of its own scripts run.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => window.violations.push(event.violatedDirective));
"""
READ_JSON_LD = """
() => Array.from(document.querySelectorAll('script[type="application/ld+json"]'), (s) => JSON.parse(s.textContent))
"""
RUN_INLINE_SCRIPT = """
() => { const s = document.createElement("script"); s.textContent = "window.ran = true"; document.body.append(s); }
"""


async def read_json_ld_without_violations(page: Page, watch: Watch) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate(READ_JSON_LD)
    assert await page.evaluate("window.violations") == []
    assert watch.problems == [] and watch.dialogs == []
    # The check can fail: an inline script that would run is refused, and the console says so.
    await page.evaluate(RUN_INLINE_SCRIPT)
    await page.wait_for_function("window.violations.length > 0")
    assert await page.evaluate("[window.ran, window.violations]") == [None, ["script-src-elem"]]
    (refused,) = await eventually(lambda: watch.problems)
    assert "violates the following Content Security Policy directive" in refused
    watch.console_errors.clear()
    return found


async def test_chromium_reads_the_json_ld_under_each_policy_and_runs_nothing_in_it(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    generated = stack.thread(kind="generated")
    await publish(stack.client, smtpd, thread=generated, body=f"Fragment: {HOSTILE}")
    await publish(stack.client, smtpd, thread="/", body=f"Demo: {HOSTILE}")
    page, watch = await watched_page(browser)
    await page.add_init_script(RECORD_VIOLATIONS)

    # The site's page with the fragment included, under the site's own strict policy.
    await page.goto(stack.generated())
    (data,) = await read_json_ld_without_violations(page, watch)
    assert data["url"] == f"{stack.site}{generated}"
    assert [comment["text"] for comment in data["comment"]] == [f"Fragment: {HOSTILE}"]

    # The demo article under the service's policy, once the widget has drawn over the fragment:
    # the JSON-LD stays, for search engines that read the page as drawn.
    await open_widget(page, f"{stack.service}/")
    (data,) = await read_json_ld_without_violations(page, watch)
    assert await page.locator("#comments script[type='application/ld+json']").count() == 1
    assert [comment["text"] for comment in data["comment"]] == [f"Demo: {HOSTILE}"]
