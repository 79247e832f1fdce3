"""In Chromium: a reader ticks "email me", confirms from the dev mailbox, hears of a reply, unsubscribes."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser import Stack, approve_from_mailbox, open_widget, watched_page
from tests.factories import submit
from tests.waiting import eventually

NOTIFY = "Email me when my comment is published and when someone replies"
READER = {"name": "Robin Reader", "email": "robin@example.com"}


def field(name: str) -> re.Pattern[str]:
    """A field's label, its required mark allowed: "Email" is not "Email me when ..."."""
    return re.compile(rf"^{name}\W*$")


async def fill(page: Page, body: str) -> None:
    await page.get_by_label(field("Comment")).fill(body)
    await page.get_by_label(field("Name")).fill(READER["name"])
    await page.get_by_label(field("Email")).fill(READER["email"])


async def mail_text(page: Page, service: str, subject: str, count: int = 1) -> str:
    """The text of the newest mail whose subject says so, once `count` of them are in the dev mailbox."""
    mails = page.locator("article.mail").filter(has=page.locator("h2", has_text=subject))

    async def arrived() -> bool:
        await page.goto(f"{service}/dev/mailbox")
        return await mails.count() >= count

    await eventually(arrived, 15.0, interval=0.2)
    return await mails.first.locator("pre").inner_text()


def url_on(text: str, word: str) -> str:
    found = re.search(rf"^{word}: (\S+)$", text, re.MULTILINE)
    assert found, text
    return found.group(1)


async def settled(page: Page, stack: Stack) -> None:
    """Everything written so far has been sent: the outbox sends oldest first, so a comment
    submitted now reaching the moderator means all mail before it has gone out."""
    await submit(stack.client, thread=stack.thread(), name="Outbox Marker", email="marker@example.org")
    marker = page.locator("article.mail", has_text="Name:    Outbox Marker")

    async def arrived() -> bool:
        await page.goto(f"{stack.service}/dev/mailbox")
        return await marker.count() > 0

    await eventually(arrived, 15.0, interval=0.2)


async def test_widget_reader_ticks_the_box_confirms_gets_a_reply_and_unsubscribes_in_one_click(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    box = page.get_by_role("checkbox", name=NOTIFY)
    await expect(box).not_to_be_checked()  # nobody is signed up by default
    await fill(page, "Is it normal to feel tired after the second session?")
    await box.check()
    await page.get_by_role("button", name="Post Comment").click()
    await expect(page.locator(".mod-comment.mod-pending")).to_have_count(1)

    mailbox = await page.context.new_page()
    await approve_from_mailbox(mailbox, stack.service, "Robin Reader")
    published = await mail_text(mailbox, stack.service, "Your comment is published")
    assert "tired after the second session" not in published  # the link, not the text
    question = int(re.search(r"#comment-(\d+)", published).group(1))  # type: ignore[union-attr]
    await mailbox.locator(f'a[href="{url_on(published, "Confirm")}"]').first.click()
    await expect(mailbox.get_by_role("heading", name="Email me when someone replies?")).to_be_visible()
    await mailbox.get_by_role("button", name="Confirm reply notifications").click()
    await expect(mailbox.get_by_role("heading", name="Confirmed")).to_be_visible()

    await submit(
        stack.client,
        thread=stack.thread(),
        parent=question,
        name="Sam Other",
        email="sam@example.net",
        body="Yes, it passes within a day.",
    )
    await approve_from_mailbox(mailbox, stack.service, "Sam Other")
    reply = await mail_text(mailbox, stack.service, "Sam Other replied to your comment")
    assert "Yes, it passes within a day." in reply and "sam@example.net" not in reply

    await mailbox.goto(url_on(reply, "Stop these emails"))
    await mailbox.get_by_role("button", name="Unsubscribe").click()
    await expect(mailbox.get_by_role("heading", name="Unsubscribed")).to_be_visible()
    assert mailbox.url == url_on(reply, "Stop these emails")  # answered in place: no redirect

    await submit(stack.client, thread=stack.thread(), parent=question, name="Kim Late", email="kim@example.net")
    await approve_from_mailbox(mailbox, stack.service, "Kim Late")
    await settled(mailbox, stack)
    await mailbox.goto(f"{stack.service}/dev/mailbox")
    await expect(mailbox.locator("article.mail h2", has_text="replied to your comment")).to_have_count(1)
    assert watch.problems == []


async def test_without_javascript_the_fragment_form_ticks_the_box_and_the_confirmation_arrives(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    page, watch = await watched_page(browser, java_script_enabled=False)
    await page.goto(stack.generated())
    box = page.get_by_role("checkbox", name=NOTIFY)
    await expect(box).not_to_be_checked()
    await fill(page, "Posted without JavaScript, and I would like to hear back.")
    await box.check()
    await page.wait_for_timeout(3_200)  # a person takes a few seconds to write; bots are quicker
    await page.get_by_role("button", name="Post Comment").click()
    await page.wait_for_url(re.compile(re.escape(stack.generated()) + r"\?pending=[\w.-]+#comment-pending$"))

    mailbox = await page.context.new_page()
    await approve_from_mailbox(mailbox, stack.service, "Robin Reader")
    published = await mail_text(mailbox, stack.service, "Your comment is published")
    await mailbox.goto(url_on(published, "Confirm"))
    await mailbox.get_by_role("button", name="Confirm reply notifications").click()
    await expect(mailbox.get_by_role("heading", name="Confirmed")).to_be_visible()
    assert watch.errors == []
