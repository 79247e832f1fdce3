"""The queue in real Chromium: a moderator signs in from the dev mailbox and decides, with the
mouse, with the keyboard only, without JavaScript, and on a phone."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Locator, Page, expect

from moderation.config import ROOT
from tests.browser import Stack, watched_page
from tests.conftest import MODERATORS
from tests.factories import comment_data, submit
from tests.waiting import eventually

ARTIFACTS = ROOT / "test-artifacts"
ALICE = MODERATORS[0]
REASON = "Names another patient"
TITLE = comment_data()["title"]


async def comments(stack: Stack, *, hostile: bool = False) -> dict[str, int]:
    """What a clinic's blog gets in an afternoon, and one the spam checks caught; name -> id.

    `hostile` makes the last one a commenter who tries to run script in the queue.
    """
    thread = stack.thread()
    written = [
        ("Ana Asks", "ana.m@example.com", "", "Did anyone else feel *dizzy* after the second one?"),
        ("Ben Shares", "ben@example.net", "https://ben.example/", "Six sessions in, I sleep through the night again."),
        ("Cy Mentions", "cy.r@example.org", "", "My neighbour Dana takes 50 mg, is that a lot for her weight?"),
        (
            "Dee Links",
            "dee@example.com",
            "",
            "Cheaper here: https://a.example/ https://b.example/ https://c.example/ https://d.example/",
        ),
    ]
    if hostile:
        written[-1] = ("<script>alert('x')</script>", "h@example.com", "", "<img src=x onerror=alert('y')>")
    ids = {}
    for name, email, website, body in written:
        ids[name] = await submit(stack.client, thread=thread, name=name, email=email, website=website, body=body)
    caught = await stack.client.post(
        "/api/comments", json=comment_data(thread=thread, name="Caught Wrongly", homepage="http://x.example")
    )
    ids["Caught Wrongly"] = (await caught.json())["id"]
    return ids


async def open_signin_link(page: Page, stack: Stack) -> None:
    """Wait for the sign-in mail in the dev mailbox and follow its link."""
    mail = page.locator("article.mail", has_text="Sign in:")

    async def arrived() -> int:
        await page.goto(f"{stack.service}/dev/mailbox")
        return await mail.count()

    await eventually(arrived, 10.0, interval=0.2)
    link = mail.first.locator(f'a[href^="{stack.service}/queue/login/"]')
    await link.click()


async def sign_in(page: Page, stack: Stack) -> None:
    await page.goto(f"{stack.service}/queue")
    await page.get_by_label("Your email address").fill(ALICE)
    await page.get_by_role("button", name="Email me a sign-in link").click()
    await expect(page.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    await open_signin_link(page, stack)
    await expect(page.get_by_role("heading")).to_have_text(f"Sign in as {ALICE}?")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()


def row(page: Page, comment_id: int) -> Locator:
    return page.locator(f"#comment-{comment_id}")


def said(page: Page) -> Locator:
    return page.locator(".outcome[role=status] strong")


async def published_names(page: Page, stack: Stack) -> list[str]:
    await page.goto(stack.article())
    names = page.locator("#comments .mod-comments li.mod-comment .mod-author")
    await expect(page.locator("#comments .mod-count")).not_to_have_text("")
    return await names.all_inner_texts()


async def test_a_moderator_signs_in_from_the_mailbox_approves_two_rejects_one_with_a_reason_and_restores_spam(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    ids = await comments(stack)
    page, watch = await watched_page(browser, viewport={"width": 960, "height": 900})
    await sign_in(page, stack)

    await expect(page.locator("li.queue-item")).to_have_count(4)
    await expect(row(page, ids["Dee Links"])).to_contain_text("Worth a closer look: 4 links")
    await expect(row(page, ids["Ben Shares"]).get_by_role("link", name="https://ben.example/")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "queue.png", full_page=True)

    await page.get_by_label("Select the comment by Ana Asks").check()
    await page.get_by_label("Select the comment by Ben Shares").check()
    await page.get_by_role("button", name="Approve selected").click()
    await expect(said(page)).to_have_text("2 approved.")
    await expect(page.locator("li.queue-item")).to_have_count(2)

    cy = row(page, ids["Cy Mentions"])
    await cy.get_by_text("Add a reason").click()
    await cy.get_by_label("Reason (optional; kept in the audit log, never shown publicly)").fill(REASON)
    await cy.get_by_role("button", name="Reject (comment by Cy Mentions)").click()
    await expect(said(page)).to_have_text("1 rejected.")
    await page.get_by_role("link", name="Rejected").click()
    await expect(row(page, ids["Cy Mentions"])).to_contain_text(f"Reason: {REASON}")

    await page.get_by_role("link", name="Spam 1").click()
    await expect(row(page, ids["Caught Wrongly"])).to_contain_text("Spam checks: filled in the hidden field")
    await row(page, ids["Caught Wrongly"]).get_by_role("button", name="Restore").click()
    await expect(said(page)).to_have_text("1 restored.")
    await page.get_by_role("link", name="Pending").click()
    await expect(row(page, ids["Caught Wrongly"])).to_contain_text(f"Restored to pending by {ALICE} in the queue")

    assert sorted(await published_names(page, stack)) == ["Ana Asks", "Ben Shares"]
    assert watch.dialogs == [] and watch.problems == []


async def test_the_same_with_the_keyboard_only(browser: Browser, mailbox_stack: Stack) -> None:
    stack = mailbox_stack
    ids = await comments(stack, hostile=True)
    page, watch = await watched_page(browser)
    keyboard = page.keyboard

    async def focused() -> str:
        return str(
            await page.evaluate(
                """() => { const e = document.activeElement;
                   const label = e.labels && e.labels.length ? e.labels[0].textContent : '';
                   return (e.getAttribute('aria-label') || label || e.textContent).trim().replace(/\\s+/g, ' '); }"""
            )
        )

    async def tab_to(wanted: str, *, back: bool = False, limit: int = 80) -> None:
        seen = []
        for _ in range(limit):
            await keyboard.press("Shift+Tab" if back else "Tab")
            seen.append(await focused())
            if seen[-1] == wanted:
                return
        raise AssertionError(f"Tab never reached {wanted!r}: {seen}")

    await page.goto(f"{stack.service}/queue")
    await tab_to("Your email address")
    await keyboard.type(ALICE)
    await keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("a sign-in link is on its way")
    await open_signin_link(page, stack)
    await tab_to("Sign in")
    await keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    hostile = row(page, ids["<script>alert('x')</script>"])
    await expect(hostile.get_by_role("heading")).to_have_text("<script>alert('x')</script>")  # text, not code
    await expect(hostile.locator(".comment-body")).to_have_text("<img src=x onerror=alert('y')>")

    await tab_to("Select the comment by Ana Asks")
    await keyboard.press("Space")
    await tab_to("Select the comment by Ben Shares")
    await keyboard.press("Space")
    await tab_to("Approve selected", back=True)
    await keyboard.press("Enter")
    await expect(said(page)).to_have_text("2 approved.")

    await tab_to("Select the comment by Cy Mentions")
    await tab_to("Add a reason")
    await keyboard.press("Enter")
    await keyboard.press("Tab")
    assert await focused() == "Reason (optional; kept in the audit log, never shown publicly)"
    await keyboard.type(REASON)
    await tab_to("Reject (comment by Cy Mentions)")
    await keyboard.press("Enter")
    await expect(said(page)).to_have_text("1 rejected.")

    await tab_to("Spam 1")
    await keyboard.press("Enter")
    await expect(page.locator("li.queue-item")).to_have_count(1)
    await tab_to("Restore (comment by Caught Wrongly)")
    await keyboard.press("Enter")
    await expect(said(page)).to_have_text("1 restored.")

    assert sorted(await published_names(page, stack)) == ["Ana Asks", "Ben Shares"]
    assert watch.dialogs == [] and watch.problems == []


async def test_without_javascript_the_queue_works_and_with_it_one_box_selects_all(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    ids = await comments(stack)
    page, watch = await watched_page(browser, java_script_enabled=False)
    await sign_in(page, stack)
    await expect(page.get_by_text(re.compile("Select all"))).to_have_count(0)
    await page.get_by_label("Select the comment by Ana Asks").check()
    await page.get_by_label("Select the comment by Cy Mentions").check()
    await page.get_by_role("button", name="Mark selected as spam").click()
    await expect(said(page)).to_have_text("2 marked as spam.")
    await row(page, ids["Ben Shares"]).get_by_text("Approve and reply").click()
    await row(page, ids["Ben Shares"]).get_by_label(re.compile("^Reply as ")).fill("So glad to hear it, Ben.")
    await row(page, ids["Ben Shares"]).get_by_role("button", name="Approve and publish the reply").click()
    await expect(said(page)).to_have_text("1 approved; your reply is published.")
    reply_url = await page.get_by_role("link", name="See your reply on the page").get_attribute("href")
    assert reply_url and reply_url.startswith(stack.article() + "#comment-")
    assert watch.problems == []

    # With JavaScript, in the same session: the reply is on the page, marked, and one box selects all.
    scripted, scripted_watch = await watched_page(browser)
    await scripted.context.add_cookies(await page.context.cookies())
    await scripted.goto(reply_url)
    reply = scripted.locator(f"#comments #{reply_url.rpartition('#')[2]} > article")
    await expect(reply.locator(".mod-body")).to_have_text("So glad to hear it, Ben.")
    await expect(reply.locator(".mod-badge")).to_have_text("From the site")
    await expect(reply.locator(".mod-author")).to_have_text("127.0.0.1")  # the site's name: its host here
    await scripted.goto(f"{stack.service}/queue")
    await scripted.get_by_label("Select all 1 on this page").check()
    await expect(scripted.locator("input[name=id]:checked")).to_have_count(1)
    await scripted.get_by_role("button", name="Reject selected").click()
    await expect(said(scripted)).to_have_text("1 rejected.")
    assert scripted_watch.problems == []


async def test_on_a_phone_the_pages_fit_the_screen_and_no_title_is_set_in_monospace(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    await comments(stack)
    page, watch = await watched_page(browser, viewport={"width": 360, "height": 740}, is_mobile=True)
    await sign_in(page, stack)
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    title_font = "() => getComputedStyle(document.querySelector('h1')).fontFamily"
    assert await page.evaluate(fits), "the queue scrolls sideways on a phone"

    await page.goto(f"{stack.service}/dev/mailbox")
    approve = page.locator("article.mail", has_text="Name:    Ana Asks").first.locator('a[href*="/moderate/"]').first
    await approve.click()
    # No comment of the page is approved yet: it is named by its path, the commenter's title beside it.
    await expect(page.get_by_role("link", name="/articles/how-many-sessions/")).to_be_visible()
    await expect(page.get_by_text(f"Title given by the commenter: {TITLE}")).to_be_visible()
    for step in ("confirm", "decided"):
        assert await page.evaluate(fits), f"the {step} page scrolls sideways on a phone"
        assert "monospace" not in await page.evaluate(title_font)
        assert await page.locator("code").count() == 0
        await expect(page.get_by_role("link", name="Open the moderation queue")).to_be_visible()
        if step == "confirm":
            await page.get_by_role("button", name="Approve").click()
            await expect(page.get_by_role("heading", name="Comment approved.")).to_be_visible()
            await expect(page.get_by_role("link", name=TITLE)).to_be_visible()  # the approval titled the page
    assert watch.problems == []


async def test_without_javascript_a_moderator_searches_orders_and_answers_an_unanswered_question(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    ids = await comments(stack)
    page, watch = await watched_page(browser, java_script_enabled=False)
    await sign_in(page, stack)

    await page.get_by_role("searchbox", name="Search").fill("dizzy")
    await page.get_by_role("combobox", name="Order").select_option(label="Likely spam first")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator(".showing")).to_contain_text("1 comment of this tab matches “dizzy”.")
    await expect(page.locator(".queue-item")).to_have_count(1)
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("dizzy")
    await expect(page.get_by_role("combobox", name="Order")).to_have_value("likely_spam")
    assert "q=dizzy" in page.url and "sort=likely_spam" in page.url
    await row(page, ids["Ana Asks"]).get_by_role("button", name="Approve (comment by Ana Asks)").click()
    await expect(said(page)).to_have_text("1 approved.")
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("dizzy")  # back to the same search
    await page.get_by_role("link", name="Clear the search").click()
    await expect(page.get_by_role("searchbox", name="Search")).to_have_value("")

    await page.get_by_role("navigation", name="Comments by state").get_by_role("link", name="Approved").click()
    await page.get_by_role("link", name="Unanswered questions").click()
    current = page.get_by_role("navigation", name="Approved comments to show").locator("[aria-current=page]")
    await expect(current).to_have_text("Unanswered questions")
    await expect(page.locator(".queue-item")).to_have_count(1)
    await row(page, ids["Ana Asks"]).get_by_text("Reply", exact=True).click()
    await row(page, ids["Ana Asks"]).get_by_label(re.compile("^Reply as ")).fill("Yes, for an hour or so.")
    await row(page, ids["Ana Asks"]).get_by_role("button", name="Publish the reply").click()
    await expect(page.locator(".showing")).to_have_text(
        "0 approved comments ask a question the site has not answered yet."
    )
    await expect(current).to_have_text("Unanswered questions")
    assert watch.problems == []
