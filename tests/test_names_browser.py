"""In the widget: a name with bidi controls is caught in the page, with its own sentence; a name
that looks blank or passes for a moderator comes back from the service, beside the field."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.browser import Stack, open_widget, watched_page
from tests.conftest import MODERATORS
from tests.test_names import BIDI_IN_NAME, BLANK, MODERATORS_


def label(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{name}\W*$")


async def test_the_widget_says_what_is_wrong_with_a_name_beside_it(browser: Browser, stack: Stack) -> None:
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    await page.get_by_label(label("Comment")).fill("Is the fourth session easier?")
    await page.get_by_label(label("Email")).fill("robin@example.com")
    name = page.get_by_label(label("Name"))
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    for typed, sentence, sent in [
        ("Robin \u202enibor", BIDI_IN_NAME, 0),  # caught in the page: nothing is sent
        ("\u3164", BLANK, 1),
        (MODERATORS[0].upper(), MODERATORS_, 2),
    ]:
        await name.fill(typed)
        await page.get_by_role("button", name="Post Comment").click()
        await expect(page.locator("#mod-name-error")).to_have_text(sentence)
        await expect(name).to_have_attribute("aria-invalid", "true")
        assert len(posts) == sent, typed
    assert watch.errors == []
