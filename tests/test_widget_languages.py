"""The widget in German, in real Chromium: its texts, its dates and its errors, the page's own and the service's."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

from playwright.async_api import Browser, expect

from tests.browser import Stack, open_widget, watched_page
from tests.factories import publish


def label(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{name}\W*$")


async def test_a_german_page_gets_the_widget_in_german_with_german_errors_from_page_and_service(
    browser: Browser, stack: Stack
) -> None:
    await publish(stack.client, stack.smtpd, thread=stack.thread(), name="Quinn")  # type: ignore[arg-type]
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article() + "?lang=de")
    widget = page.locator("#comments .mod-comments")
    await expect(widget).to_have_attribute("lang", "de")
    await expect(widget.locator(".mod-count")).to_have_text("1 Kommentar")
    await expect(widget.locator(".mod-reply-title")).to_have_text("Schreiben Sie einen Kommentar")
    await expect(widget.locator(".mod-date")).to_have_text(re.compile(r"^\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}$"))
    await expect(widget.get_by_role("button", name="Antworten", exact=False)).to_have_count(1)
    assert "Leave a Reply" not in await widget.inner_text()

    # Caught in the page: nothing typed yet.
    await page.get_by_role("button", name="Kommentar abschicken").click()
    await expect(page.locator("#mod-body-error")).to_have_text("Bitte schreiben Sie einen Kommentar.")
    await expect(page.locator("#mod-name-error")).to_have_text("Bitte geben Sie Ihren Namen ein.")
    await expect(widget.locator(".mod-status")).to_have_text(
        "Ihr Kommentar wurde nicht gesendet: Bitte prüfen Sie die markierten Felder."
    )

    # Caught by the service only, which answers in the page's language too.
    await page.get_by_label(label("Kommentar")).fill("Wie lange dauert eine Sitzung?")
    await page.get_by_label(label("Name")).fill("Robin Leser")
    await page.get_by_label(label("E-Mail")).fill("robin@example.com")
    await page.get_by_label(label("Website")).fill("http://")
    await page.get_by_role("button", name="Kommentar abschicken").click()
    await expect(page.locator("#mod-website-error")).to_have_text(
        "Bitte geben Sie eine Webadresse ein, die mit http:// oder https:// beginnt."
    )

    # Posted: the reader's own comment, awaiting moderation, dated the German way.
    await page.get_by_label(label("Website")).fill("")
    await page.get_by_role("button", name="Kommentar abschicken").click()
    pending = widget.locator(".mod-pending")
    await expect(pending.locator(".mod-badge")).to_have_text("Wartet auf Moderation")
    await expect(pending.locator(".mod-date")).to_have_text(re.compile(r"^\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}$"))
    assert watch.errors == [] and watch.failed == [f"422 {stack.service}/api/comments"]  # the service's refusal
    # Stored with the page's language, which the reader's mail about it will speak.
    with closing(sqlite3.connect(stack.database)) as db:
        assert db.execute("SELECT name, lang FROM comments ORDER BY id DESC LIMIT 1").fetchall() == [
            ("Robin Leser", "de")
        ]
