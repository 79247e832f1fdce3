"""WCAG 2.1 AA in real Chromium: axe-core finds nothing on the pages readers and moderators see,
in every shipped language, in light and dark; replies say whom they answer; errors are tied to
their fields, announced, and take the focus; the widget follows the reader's colour scheme or
the page's data-theme.

One Chromium and, per language, one stack (service, site, SMTP sink) serve the whole module:
each check is one page load. Adding a page is one line in CHECKS (and, if it needs a link from a
mail, one more in seeded()).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestClient, TestServer
from playwright.async_api import Browser, Page, Route, expect

from moderation.app_keys import languages_key, store_key
from moderation.models import ByHand
from tests import axe
from tests.browser import WIDGET_READY, Stack, chromium, start_stack
from tests.conftest import MODERATORS
from tests.factories import comment_data, decide, email_link, publish, submit
from tests.moderators import ask_for_link, sign_in, signin_path
from tests.readers import line_url, wait_for_mails_to
from tests.smtp import SmtpSink, text_of

pytestmark = pytest.mark.asyncio(loop_scope="module")

LANGUAGES = ("en", "de", "es")
THEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
TABS = ("pending", "spam", "rejected", "approved")
READER = "rosa.reader@example.com"
CLOSED_LINE = "#comments .mod-comments .mod-closed"
INVALID = "[aria-invalid=true]"
QUEUED = "li.queue-item"  # signed in, on a tab with a comment in it


# --- one stack per language, for the whole module -----------------------------------------------


class Servers:
    """What pytest-aiohttp's aiohttp_server and aiohttp_client give a test, for a whole module."""

    def __init__(self) -> None:
        self.started: list[BaseTestServer | TestClient] = []  # type: ignore[type-arg]

    async def server(self, app: web.Application, *, host: str, port: int) -> TestServer:
        server = TestServer(app, host=host, port=port)
        await server.start_server()
        self.started.append(server)
        return server

    async def client(self, app: web.Application, *, server_kwargs: dict[str, Any]) -> TestClient:  # type: ignore[type-arg]
        client: TestClient = TestClient(TestServer(app, **server_kwargs))  # type: ignore[type-arg]
        await client.start_server()
        self.started.append(client)
        return client

    async def close(self) -> None:
        for started in reversed(self.started):
            await started.close()


@dataclass
class Site:
    """A stack in one language, with something on every page: comments, replies of replies, a
    closed thread, a comment in each queue tab, and the links that mail brings."""

    stack: Stack
    lang: str
    urls: dict[str, str] = field(default_factory=dict)  # page -> its address, from seeded()
    session: str = ""  # a signed-in moderator's cookie, name=value
    names: dict[str, int] = field(default_factory=dict)  # commenter -> comment id

    def service(self, path: str) -> str:
        return f"{self.stack.service}{path}"

    def article(self, slug: str, **query: str) -> str:
        return self.stack.article(slug) + "?" + "&".join(f"{k}={v}" for k, v in {"lang": self.lang, **query}.items())

    def generated(self, slug: str, **query: str) -> str:
        return self.stack.generated(slug) + "?" + "&".join(f"{k}={v}" for k, v in {"lang": self.lang, **query}.items())

    def say(self, message: str, **values: object) -> str:
        """A sentence as the service writes it in this language."""
        return self.stack.client.app[languages_key].get(self.lang).gettext(message, **values)


async def threaded(site: Site, smtpd: SmtpSink, thread: str) -> None:
    """Two comments at the top, a reply to the first, and a reply to that reply."""
    client, lang = site.stack.client, site.lang
    ana = await publish(client, smtpd, thread=thread, lang=lang, name="Ana First", body="My *third* session helped.")
    ben = await publish(client, smtpd, thread=thread, lang=lang, name="Ben Second", parent=ana, body="Same here.")
    cy = await publish(client, smtpd, thread=thread, lang=lang, name="Cy Third", parent=ben, body="The fifth, for me.")
    dee = await publish(client, smtpd, thread=thread, lang=lang, name="Dee Fourth", body="A question of my own.")
    site.names |= {"Ana First": ana, "Ben Second": ben, "Cy Third": cy, "Dee Fourth": dee}


async def seeded(stack: Stack, smtpd: SmtpSink, lang: str) -> Site:
    site = Site(stack, lang)
    client = stack.client
    # The demo article's thread, and the site's pages with the widget and with the fragment.
    for thread in ("/", stack.thread("threaded"), stack.thread("threaded", "generated")):
        await threaded(site, smtpd, thread)
    for closed in (stack.thread("closed"), stack.thread("closed", "generated")):
        await publish(client, smtpd, thread=closed, lang=lang, name="Eve Early", body="Before it closed.")
        await client.app[store_key].threads.set_by_hand(closed, ByHand.CLOSED)

    # One comment in every tab of the queue, and the moderators' emailed links.
    waiting = await submit(client, thread=stack.thread("queue"), lang=lang, name="Fay Waiting")
    to_decide = await submit(client, thread=stack.thread("queue"), lang=lang, name="Gus Deciding")
    rejected = await submit(client, thread=stack.thread("queue"), lang=lang, name="Hal Rejected")
    await decide(client, smtpd, rejected, "reject")
    spam = await client.post(
        "/api/comments", json=comment_data(lang=lang, name="Ida Caught", homepage="http://x.example")
    )
    assert spam.status == 202, await spam.text()
    site.urls["confirm"] = site.service(await email_link(smtpd, waiting, "approve", MODERATORS[0]))
    site.urls["decide"] = site.service(await email_link(smtpd, to_decide, "approve", MODERATORS[0]))
    site.urls["signin link"] = site.service(signin_path(await ask_for_link(client, smtpd, MODERATORS[1])))
    site.session = (await sign_in(client, smtpd, MODERATORS[0])).cookie

    # A reader who asked to hear back, published: their confirm and unsubscribe links.
    await publish(client, smtpd, thread=stack.thread("queue"), lang=lang, email=READER, notify=True, name="Jo Asks")
    (mail,) = await wait_for_mails_to(smtpd, READER, 1)
    site.urls["subscription"] = site.service(urlsplit(line_url(mail, "Confirm") or "").path)
    unsubscribe = re.search(r"<(http[^>]+)>", str(mail["List-Unsubscribe"]))
    assert unsubscribe, mail["List-Unsubscribe"]
    site.urls["unsubscribe"] = unsubscribe.group(1)

    # A writer's own link (the 202's "manage"), to a comment that waits and to a published one.
    for state in ("pending", "published"):
        answer = await client.post("/api/comments", json=comment_data(thread=stack.thread("mine"), lang=lang))
        assert answer.status == 202, await answer.text()
        taken = await answer.json()
        if state == "published":
            await decide(client, smtpd, taken["id"], "approve")
        site.urls[f"mine, {state}"] = taken["manage"]
    # The reader who asked to hear back asks what is kept under their address: the mailed link.
    asked = await client.post("/mydata", data={"email": READER, "lang": lang})
    assert asked.status == 200, await asked.text()
    data_link = re.search(r"https?://\S+?(/mydata/\S+)", text_of((await wait_for_mails_to(smtpd, READER, 2))[-1]))
    assert data_link, "no /mydata link in the mail"
    site.urls["my data link"] = site.service(data_link.group(1))

    # A plain form with no page to go back to: the thank-you page.
    form = {**comment_data(thread=stack.thread("thanks"), lang=lang, name="Kim Thanks"), "return_to": ""}
    thanks = await client.post("/api/comments", data=form, allow_redirects=False)
    assert thanks.status == 303, await thanks.text()
    site.urls["thanks"] = site.service(thanks.headers["Location"])
    return site


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser_once() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=LANGUAGES)
async def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    lang = request.param
    smtpd, servers = SmtpSink(), Servers()
    await smtpd.start()
    try:
        path: Path = tmp_path_factory.mktemp(f"a11y-{lang}")
        stack = await start_stack(servers.server, servers.client, path, smtpd, language=lang)
        yield await seeded(stack, smtpd, lang)
    finally:
        await servers.close()
        await smtpd.stop()


# --- the pages, and how a reader or moderator gets each into the state checked ---------------


async def post_empty_form(page: Page) -> None:
    """Press Post Comment with nothing filled in."""
    await page.locator("#comments form.mod-form button[type=submit]").click()
    await page.wait_for_selector(INVALID, state="attached")


async def press_the_button(page: Page) -> None:
    """The emailed link's page: press its one button (Approve), and land on what it did."""
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_selector("main .to-the-queue")


@dataclass(frozen=True)
class Check:
    name: str
    url: Callable[[Site], str]
    js: bool = True
    ready: str = "main, #comments"  # what must be on the page before axe looks at it
    moderator: bool = False  # signed in to the queue
    then: Callable[[Page], Awaitable[None]] | None = None  # what the reader does first


NESTED = "#comments .mod-replies .mod-replies"  # a reply of a reply
CHECKS = [
    Check("demo page", lambda s: s.service(f"/?lang={s.lang}"), ready=WIDGET_READY),
    Check("demo page, no JS", lambda s: s.service(f"/?lang={s.lang}"), js=False, ready=NESTED),
    Check("widget, replies of replies", lambda s: s.article("threaded"), ready=f"{WIDGET_READY}, {NESTED}"),
    Check("fragment, replies of replies", lambda s: s.generated("threaded"), js=False, ready=NESTED),
    Check("widget, errors", lambda s: s.article("threaded"), ready=WIDGET_READY, then=post_empty_form),
    Check("form errors page (422)", lambda s: s.service(f"/?lang={s.lang}"), js=False, then=post_empty_form),
    Check("thank-you page", lambda s: s.urls["thanks"], js=False, ready=".mod-pending"),
    Check("widget, closed thread", lambda s: s.article("closed"), ready=CLOSED_LINE),
    Check("fragment, closed thread", lambda s: s.generated("closed"), js=False, ready=CLOSED_LINE),
    Check("sign-in page", lambda s: s.service("/queue"), ready="#signin-email"),
    Check("sign-in link page", lambda s: s.urls["signin link"], ready="main form"),
    *(
        Check(f"queue: {tab}", lambda s, tab=tab: s.service(f"/queue?status={tab}"), moderator=True, ready=QUEUED)
        for tab in TABS
    ),
    Check("moderation confirm page", lambda s: s.urls["confirm"], ready="main form"),
    Check("decided page", lambda s: s.urls["decide"], ready="main form", then=press_the_button),
    Check("subscription confirm page", lambda s: s.urls["subscription"], ready="main form"),
    Check("unsubscribe page", lambda s: s.urls["unsubscribe"], ready="main form"),
    Check("my comment, waiting", lambda s: s.urls["mine, pending"], ready="main form"),
    Check("my comment, published", lambda s: s.urls["mine, published"], ready="main form"),
    Check("my data page", lambda s: s.service(f"/mydata?lang={s.lang}"), ready="main form"),
    Check("my data link page", lambda s: s.urls["my data link"], ready="main form"),
]


async def without_scripts(route: Route) -> None:
    if route.request.resource_type == "script":
        await route.abort()
    else:
        await route.continue_()


async def opened(browser: Browser, site: Site, url: str, *, js: bool = True, moderator: bool = False) -> Page:
    """A page of its own context. Without JavaScript means without the page's scripts: they are
    never fetched (and the pages' CSP allows no inline ones); the context itself keeps
    JavaScript, as axe needs it to run (Chromium answers no evaluation where it is switched off)."""
    context = await browser.new_context()
    if not js:
        await context.route("**/*", without_scripts)
    if moderator:
        name, value = site.session.split("=", 1)
        await context.add_cookies([{"name": name, "value": value, "url": site.stack.service}])
    page = await context.new_page()
    await page.goto(url)
    return page


async def axe_in_each_theme(page: Page, name: str, lang: str) -> None:
    """axe in the light theme, then the dark one, on the same page load; fails once, naming all."""
    problems = []
    for theme in THEMES:
        await page.emulate_media(color_scheme=theme)
        try:
            await axe.check(page, name, lang, theme)
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("check", CHECKS, ids=[c.name for c in CHECKS])
async def test_axe_finds_no_wcag_21_aa_violation(check: Check, site: Site, browser_once: Browser) -> None:
    page = await opened(browser_once, site, check.url(site), js=check.js, moderator=check.moderator)
    try:
        await page.wait_for_selector(check.ready, state="attached", timeout=10_000)
        if check.then:
            await check.then(page)
        await axe_in_each_theme(page, check.name, site.lang)
    finally:
        await page.context.close()


# --- what axe cannot judge: structure, errors, focus, themes ------------------------------------

# The thread as a screen reader walks it: each item's author and whom it answers, and the list of
# its replies, nested inside the item.
OUTLINE_JS = """(list) => {
  const walk = (ol) => [...ol.children].filter((li) => li.matches('li.mod-comment')).map((li) => {
    const header = li.querySelector(':scope > article > header');
    const answers = header.querySelector('.mod-in-reply-to');
    const replies = li.querySelector(':scope > ol.mod-list');
    return [header.querySelector('.mod-author').textContent.trim(), answers ? answers.textContent.trim() : '',
            replies ? walk(replies) : []];
  });
  return walk(list);
}"""


def thread_outline(site: Site) -> list[Any]:
    ana, ben = site.say("In reply to %(name)s", name="Ana First"), site.say("In reply to %(name)s", name="Ben Second")
    return [["Ana First", "", [["Ben Second", ana, [["Cy Third", ben, []]]]]], ["Dee Fourth", "", []]]


async def test_replies_are_lists_inside_their_parents_items_that_say_whom_they_answer(
    site: Site, browser_once: Browser
) -> None:
    for url, js in ((site.article("threaded"), True), (site.generated("threaded"), False)):
        page = await opened(browser_once, site, url, js=js)
        try:
            await page.wait_for_selector(NESTED, state="attached", timeout=10_000)
            top = page.locator("#comments .mod-comments > ol.mod-list")
            assert await top.evaluate(OUTLINE_JS) == thread_outline(site), url
            # Lists and items as such, to assistive technology: three levels, one inside the other.
            assert await page.locator("#comments ol > li > article ~ ol > li > article ~ ol > li").count() == 1
            assert await page.locator("#comments .mod-comments").get_attribute("lang") == site.lang
        finally:
            await page.context.close()

    # The reader's own reply, drawn at once under the comment it answers, says so too.
    page = await opened(browser_once, site, site.article("threaded"))
    try:
        await page.wait_for_selector(WIDGET_READY, state="attached", timeout=10_000)
        cy = page.locator("#comments .mod-author", has_text="Cy Third").locator("xpath=ancestor::li[1]")
        await cy.locator(":scope > button.mod-reply").click()
        await page.locator("#comments #mod-body").fill("Which week was that?")
        await page.locator("#comments #mod-name").fill("Lee Later")
        await page.locator("#comments #mod-email").fill("lee@example.com")
        await page.locator("#comments form.mod-form button[type=submit]").click()
        mine = cy.locator(":scope > ol.mod-list > li.mod-pending")
        await expect(mine.locator(".mod-in-reply-to")).to_have_text(
            site.say("In reply to %(name)s", name="Cy Third"), timeout=10_000
        )
    finally:
        await page.context.close()


async def assert_tied_to_their_fields(page: Page, errors: dict[str, str]) -> None:
    """Each field in error says so (aria-invalid) and is described by its own error, beside it."""
    for name, message in errors.items():
        control = page.locator(f"#comments #mod-{name}, main #mod-{name}").first
        await expect(control).to_have_attribute("aria-invalid", "true")
        described_by = await control.get_attribute("aria-describedby")
        assert described_by, name
        await expect(page.locator(f"#{described_by}")).to_have_text(message)
        beside = page.locator("p.mod-field").filter(has=page.locator(f"#mod-{name}")).locator(f"#{described_by}")
        await expect(beside).to_have_count(1)
    await expect(page.locator("#mod-name")).not_to_have_attribute("aria-invalid", "true")


async def test_errors_are_tied_to_their_fields_announced_and_the_first_takes_the_focus(
    site: Site, browser_once: Browser
) -> None:
    errors = {"body": site.say("Please write a comment."), "email": site.say("Please enter your email address.")}

    # Without JavaScript: the 422 page says at once that nothing was posted, and opens on the
    # first field in error, whose description is its error.
    page = await opened(browser_once, site, site.service(f"/?lang={site.lang}"), js=False)
    try:
        await page.locator("#comments #mod-name").fill("Mo Forgetful")
        await post_empty_form(page)
        await expect(page.locator("main [role=alert]").first).to_have_text(
            site.say("Some fields need another look; nothing has been posted yet.")
        )
        await assert_tied_to_their_fields(page, errors)
        await expect(page.locator("#mod-body")).to_be_focused()
        await expect(page.locator("#mod-name")).to_have_value("Mo Forgetful")
    finally:
        await page.context.close()

    # The widget: the same ties, the focus moved to the first field in error, the outcome spoken
    # by its live region.
    page = await opened(browser_once, site, site.article("threaded"))
    try:
        await page.wait_for_selector(WIDGET_READY, state="attached", timeout=10_000)
        await page.locator("#comments #mod-name").fill("Mo Forgetful")
        await post_empty_form(page)
        await assert_tied_to_their_fields(page, errors)
        await expect(page.locator("#comments #mod-body")).to_be_focused()
        status = page.locator("#comments .mod-status")
        await expect(status).to_have_attribute("aria-live", "polite")
        await expect(status).to_have_text(site.say("Your comment was not posted: please check the highlighted fields."))
    finally:
        await page.context.close()


# The colours a reader sees of the thread: its background, text, links and the main button.
COLOURS_JS = """(root) => {
  const of = (selector, property) => getComputedStyle(root.querySelector(selector))[property];
  return [getComputedStyle(root).backgroundColor, getComputedStyle(root).color, of('.mod-author', 'color'),
          of('.mod-date', 'color'), of('button[type=submit], .mod-closed', 'backgroundColor')];
}"""


@dataclass(frozen=True)
class Themed:
    name: str
    url: Callable[[Site], str]
    scheme: Literal["light", "dark"]  # what the reader's system prefers
    expected: Literal["light", "dark"]  # the theme the thread must show
    js: bool = True


THEMED = [
    Themed("widget, no data-theme", lambda s: s.article("threaded"), "light", "light"),
    Themed("widget, no data-theme", lambda s: s.article("threaded"), "dark", "dark"),
    Themed("widget, data-theme=auto", lambda s: s.article("threaded", theme="auto"), "dark", "dark"),
    Themed("widget, data-theme=dark", lambda s: s.article("threaded", theme="dark"), "light", "dark"),
    Themed("widget, data-theme=light", lambda s: s.article("threaded", theme="light"), "dark", "light"),
    Themed(
        "widget, container data-theme=dark", lambda s: s.article("threaded", container_theme="dark"), "light", "dark"
    ),
    Themed(
        "fragment, container data-theme=dark", lambda s: s.generated("threaded", theme="dark"), "light", "dark", False
    ),
    Themed(
        "fragment, container data-theme=light", lambda s: s.generated("threaded", theme="light"), "dark", "light", False
    ),
]


async def test_the_thread_follows_the_readers_colour_scheme_or_the_pages_data_theme_and_passes_axe_in_each(
    site: Site, browser_once: Browser
) -> None:
    seen: dict[str, list[list[str]]] = {"light": [], "dark": []}
    for case in THEMED:
        page = await opened(browser_once, site, case.url(site), js=case.js)
        try:
            await page.emulate_media(color_scheme=case.scheme)
            await page.wait_for_selector(WIDGET_READY if case.js else NESTED, state="attached", timeout=10_000)
            seen[case.expected].append(await page.locator("#comments .mod-comments").evaluate(COLOURS_JS))
            await axe.check(page, case.name, site.lang, case.scheme)
        finally:
            await page.context.close()
    # Every way to ask for a theme gives that theme's colours, and the two themes differ in each.
    light, dark = seen["light"], seen["dark"]
    assert all(colours == light[0] for colours in light), light
    assert all(colours == dark[0] for colours in dark), dark
    assert all(a != b for a, b in zip(light[0], dark[0], strict=True)), (light[0], dark[0])


async def test_axe_finds_what_a_page_gets_wrong(browser_once: Browser) -> None:
    """The check can fail: a page with a picture without words, a field without a label and grey
    on grey text gets each violation named."""
    context = await browser_once.new_context()
    try:
        page = await context.new_page()
        await page.set_content(
            '<!doctype html><html lang="en"><head><title>Wrong</title></head><body><main>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '<input type="text"><p style="color:#aaa;background:#bbb">Hard to read</p></main></body></html>'
        )
        found = {violation["id"] for violation in await axe.violations(page)}
        print(f"\naxe on a page made wrong: {sorted(found)}")
        assert {"image-alt", "label", "color-contrast"} <= found
    finally:
        await context.close()
