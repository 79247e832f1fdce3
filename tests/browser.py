"""Real Chromium against the real service and a real site on another origin.

The service runs in-process (create_app on a TestServer at http://127.0.0.1:PORT, with that URL
as its public URL); the "site" is a tiny aiohttp app on another port of 127.0.0.1 (so another
origin), playing the blog that embeds the comments: one page with the widget's <script>, one
that includes the /embed fragment server-side, as a static site generator would.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, ConsoleMessage, Dialog, Page, Request, Response, async_playwright

from moderation.app import create_app
from moderation.config import Config
from tests.conftest import free_port, make_config
from tests.smtp import SmtpSink
from tests.waiting import eventually

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTICLE_TITLE = "How many ketamine treatments does depression take?"
# The element embed.js draws last; the server-rendered copy has no status region.
WIDGET_READY = "#comments .mod-comments .mod-status"
WIDGET_FAILED = "#comments .mod-comments .mod-error[role=alert]"


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Debian Chromium, closed on the way out with every context and page in it."""
    if not os.access(CHROMIUM, os.X_OK):
        # A failure, not a skip: the widget is half of what the service does.
        pytest.fail(
            f"browser tests need Debian's chromium at {CHROMIUM}; run: sudo apt-get install chromium", pytrace=False
        )
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A Chromium of the test's own."""
    async with chromium() as launched:
        yield launched


# --- the site: another origin that embeds the comments ----------------------------------------


def site_csp(service: str, *, worker: bool = True) -> str:
    """A strict policy a careful site would send: the widget needs only the service's origin, and
    blob: workers for its proof of work (without them it solves on the page, in slices)."""
    return (
        f"default-src 'none'; script-src 'self' {service}; style-src 'self' {service}; "
        f"img-src 'self' {service}; connect-src {service}; form-action 'self' {service}; base-uri 'none'"
        + ("; worker-src blob:" if worker else "")
    )


def page_html(title: str, comments_html: str, lang: str = "en") -> str:
    return f"""<!doctype html>
<html lang="{html.escape(lang)}">
<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body>
<nav><a href="/">Clinic blog</a></nav>
<main>
<article>
<h1>{html.escape(title)}</h1>
<p>Most protocols begin with an induction phase of about six infusions over two to three weeks.</p>
</article>
{comments_html}
</main>
</body>
</html>
"""


def site_app(service: str) -> web.Application:
    """/articles/SLUG/: the widget's script tag. /generated/SLUG/: the /embed fragment inlined."""

    async def article(request: web.Request) -> web.Response:
        # ?csp=off serves the page without a policy, so that nothing but the widget stands
        # between a hostile comment and the page (the XSS test must be able to fail).
        thread = html.escape(request.path)
        # ?lang=de gives the script tag a data-lang: a page in another language.
        lang = f' data-lang="{html.escape(request.query["lang"])}"' if "lang" in request.query else ""
        # ?theme=dark gives the script tag a data-theme, ?container_theme=dark the element.
        theme = f' data-theme="{html.escape(request.query["theme"])}"' if "theme" in request.query else ""
        held = request.query.get("container_theme")
        container = f' data-theme="{html.escape(held)}"' if held else ""
        widget = (
            f'<div id="comments"{container}></div>\n'
            f'<script src="{service}/embed.js" data-thread="{thread}" '
            f'data-title="{html.escape(ARTICLE_TITLE)}"{lang}{theme} async></script>'
        )
        # ?csp=no-worker: a policy without worker-src blob:, under which the widget solves on the page.
        policies = {"off": None, "no-worker": site_csp(service, worker=False)}
        policy = policies.get(request.query.get("csp", ""), site_csp(service))
        return web.Response(
            text=page_html(ARTICLE_TITLE, widget, request.query.get("lang", "en")),
            content_type="text/html",
            headers={"Content-Security-Policy": policy} if policy else {},
        )

    async def generated(request: web.Request) -> web.Response:
        # What a static site generator does at build time: fetch the fragment and inline it.
        own_url = f"{request.scheme}://{request.host}{request.path}"
        # Included per request, it can show a reader who just posted their own comment: the
        # service's note in this page's address is passed on.
        pending = {"pending": request.query["pending"]} if "pending" in request.query else {}
        # ?lang=de: a page in another language asks for the fragment in it.
        lang = {"lang": request.query["lang"]} if "lang" in request.query else {}
        query = urlencode({"thread": request.path, "url": own_url, "title": ARTICLE_TITLE, **lang, **pending})
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{service}/embed?{query}") as response:
                assert response.status == 200, await response.text()
                fragment = await response.text()
        # ?theme=dark: the element around the fragment asks for a theme, as it would for the widget.
        theme = f' data-theme="{html.escape(request.query["theme"])}"' if "theme" in request.query else ""
        section = f'<section id="comments"{theme}>\n{fragment}\n</section>'
        return web.Response(
            text=page_html(ARTICLE_TITLE, section, request.query.get("lang", "en")),
            content_type="text/html",
            headers={"Content-Security-Policy": site_csp(service)},
        )

    async def home(request: web.Request) -> web.Response:
        return web.Response(text=page_html("Clinic blog", ""), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/articles/{slug}/", article)
    app.router.add_get("/generated/{slug}/", generated)
    return app


async def start_site(aiohttp_server, service: str) -> str:  # type: ignore[no-untyped-def]
    """Serve the site on 127.0.0.1 on a port of its own; return its origin."""
    server = await aiohttp_server(site_app(service), host="127.0.0.1", port=free_port())
    return f"http://127.0.0.1:{server.port}"


# --- the whole stack --------------------------------------------------------------------------


@dataclass
class Stack:
    service: str  # the service's origin, which is also its public URL
    site: str  # the allowed site origin
    client: TestClient  # the same service, for the API and factories
    config: Config
    smtpd: SmtpSink | None = None  # None: the service runs its dev mailbox

    def article(self, slug: str = "how-many-sessions") -> str:
        return f"{self.site}/articles/{slug}/"

    def generated(self, slug: str = "how-many-sessions") -> str:
        return f"{self.site}/generated/{slug}/"

    @staticmethod
    def thread(slug: str = "how-many-sessions", kind: str = "articles") -> str:
        return f"/{kind}/{slug}/"

    @property
    def database(self) -> Path:
        path = self.config.sqlite_path
        assert path is not None
        return path


async def start_stack(  # type: ignore[no-untyped-def]
    aiohttp_server, aiohttp_client, tmp_path: Path, smtpd: SmtpSink | None, **settings: object
) -> Stack:
    service_port, site_port = free_port(), free_port()
    service = f"http://127.0.0.1:{service_port}"
    site = f"http://127.0.0.1:{site_port}"
    overrides: dict[str, object] = {"allowed_origins": (site,), "public_url": service, **settings}
    if smtpd is None:
        overrides["smtp_host"] = ""  # the dev mailbox, kept in tmp_path
    config = make_config(tmp_path, smtpd.port if smtpd else 0, **overrides)
    client = await aiohttp_client(create_app(config), server_kwargs={"host": "127.0.0.1", "port": service_port})
    await aiohttp_server(site_app(service), host="127.0.0.1", port=site_port)
    return Stack(service=service, site=site, client=client, config=config, smtpd=smtpd)


@pytest.fixture
async def stack(aiohttp_server, aiohttp_client, tmp_path: Path, smtpd: SmtpSink) -> Stack:  # type: ignore[no-untyped-def]
    """Service and site, with moderator mail going to the test SMTP server."""
    return await start_stack(aiohttp_server, aiohttp_client, tmp_path, smtpd)


@pytest.fixture
async def mailbox_stack(aiohttp_server, aiohttp_client, tmp_path: Path) -> Stack:  # type: ignore[no-untyped-def]
    """Service and site, with the service's own dev mailbox at /dev/mailbox."""
    return await start_stack(aiohttp_server, aiohttp_client, tmp_path, None)


# --- what a page did ----------------------------------------------------------------------------


@dataclass
class Watch:
    """Everything a page did that a test may want to rule out."""

    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # uncaught exceptions
    console_errors: list[str] = field(default_factory=list)  # CSP violations land here, among others
    failed: list[str] = field(default_factory=list)  # answers >= 400, but the browser's own favicon probe

    @property
    def problems(self) -> list[str]:
        """Everything that went wrong in the page, as a reader's developer console would show it."""
        console = [text for text in self.console_errors if not text.startswith("Failed to load resource")]
        return self.errors + console + self.failed

    def attach(self, page: Page) -> Watch:
        async def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        def on_request(request: Request) -> None:
            self.requests.append(request.url)

        def on_response(response: Response) -> None:
            if response.status >= 400 and not response.url.endswith("/favicon.ico"):
                self.failed.append(f"{response.status} {response.url}")

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.console_errors.append(message.text)

        page.on("dialog", on_dialog)
        page.on("request", on_request)
        page.on("response", on_response)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", on_console)
        return self


async def watched_page(browser: Browser, **context_options: object) -> tuple[Page, Watch]:
    context = await browser.new_context(**context_options)  # type: ignore[arg-type]
    page = await context.new_page()
    return page, Watch().attach(page)


async def open_widget(page: Page, url: str) -> None:
    """Open a page and wait until embed.js has drawn the thread and its form."""
    await page.goto(url)
    await page.wait_for_selector(WIDGET_READY, state="attached", timeout=10_000)


async def approve_from_mailbox(page: Page, service: str, name: str, timeout: float = 10.0) -> None:
    """As a moderator: open the dev mailbox, follow the Approve link of the mail about `name`, press Approve."""
    mail = page.locator("article.mail", has_text=f"Name:    {name}")

    async def arrived() -> int:
        await page.goto(f"{service}/dev/mailbox")
        return await mail.count()

    await eventually(arrived, timeout, interval=0.2)
    text = await mail.first.locator("pre").inner_text()
    found = re.search(r"^Approve: (\S+)$", text, re.MULTILINE)
    assert found, text
    assert found.group(1).startswith(f"{service}/moderate/")
    await mail.first.locator(f'a[href="{found.group(1)}"]').click()
    await page.wait_for_url(found.group(1))
    await page.get_by_role("button", name="Approve").click()
    await page.get_by_role("heading", name="Comment approved.").wait_for()
