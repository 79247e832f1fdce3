"""A closed thread in real Chromium: the widget and the fragment show the comments, and no form."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from moderation.app_keys import store_key
from moderation.models import ByHand
from tests.browser import Stack, open_widget, watched_page
from tests.factories import publish
from tests.smtp import SmtpSink
from tests.test_widget import CONTRAST_JS, SHAPE_JS, comment, fill_form, widget

CLOSED_LINE = "#comments .mod-comments .mod-closed"


async def test_a_closed_thread_shows_its_comments_and_says_so_instead_of_the_form(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    thread = stack.thread()
    first = await publish(stack.client, smtpd, thread=thread, name="Ana First", body="My *third* session helped most.")
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())

    # The thread closes while a reader is writing: the post is refused, and what they wrote stays.
    await fill_form(page, "Written while the thread was still open.")
    await stack.client.app[store_key].threads.set_by_hand(thread, ByHand.CLOSED)
    await page.get_by_role("button", name="Post Comment").click()
    status = widget(page).locator(".mod-status")
    await expect(status).to_have_text("Comments are closed on this page.", timeout=10_000)
    await expect(page.locator("#comments #mod-body")).to_have_value("Written while the thread was still open.")

    # Back on the page: the browser revalidates its copy, which the closing made stale.
    await page.reload()
    await page.wait_for_selector(CLOSED_LINE, state="attached", timeout=10_000)
    await expect(page.locator(CLOSED_LINE)).to_have_text("Comments are closed.")
    await expect(page.locator(CLOSED_LINE)).to_be_visible()
    assert await page.locator(CLOSED_LINE).evaluate(CONTRAST_JS) >= 4.5
    await expect(widget(page).locator(".mod-count")).to_have_text("1 comment")
    await expect(comment(page, first).locator(".mod-author")).to_have_text("Ana First")
    await expect(comment(page, first).locator(".mod-body em")).to_have_text("third")
    await expect(widget(page).locator("form")).to_have_count(0)
    await expect(widget(page).get_by_role("button")).to_have_count(0)  # no Reply buttons either
    await expect(page.get_by_text("Leave a Reply")).to_have_count(0)
    # Nothing broke; the one failed request is the refused post.
    assert watch.errors == [] and watch.failed == [f"403 {stack.service}/api/comments"], watch.problems

    # Without JavaScript, the fragment shows the same thread, the same way.
    fragment_page, _ = await watched_page(browser, java_script_enabled=False)
    await fragment_page.goto(f"{stack.service}/embed?thread={thread}")
    fragment = fragment_page.locator(".mod-comments")
    await expect(fragment.locator(".mod-closed")).to_have_text("Comments are closed.")
    await expect(fragment.locator("form")).to_have_count(0)
    assert await fragment.evaluate(SHAPE_JS) == await widget(page).evaluate(SHAPE_JS)
