"""The embeddable widget in real Chromium: what a reader sees and can do, on a site of another origin.

No mocks: the service (create_app on a real port), a site on another origin, headless Chromium.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import sqlite3
from contextlib import closing
from pathlib import Path

from playwright.async_api import Browser, Page, Route, expect

from moderation.config import ROOT
from tests.browser import (
    ARTICLE_TITLE,
    WIDGET_FAILED,
    WIDGET_READY,
    Stack,
    approve_from_mailbox,
    open_widget,
    start_site,
    start_stack,
    watched_page,
)
from tests.factories import decide, publish, submit
from tests.smtp import SmtpSink, text_of

ARTIFACTS = ROOT / "test-artifacts"
READER = {"name": "Robin Reader", "email": "robin@example.com", "website": "https://robin.example/"}

# The structure of a rendered thread, ignoring what only the widget adds (Reply buttons, the status
# region) and what only the plain form needs (hidden inputs); dates are compared by their datetime.
SHAPE_JS = """(root) => {
  const skip = (e) => e.matches('button.mod-reply, .mod-status, input[type=hidden]');
  const shape = (e) => {
    const attrs = ['id', 'class', 'src', 'alt', 'href', 'rel', 'datetime', 'for', 'name', 'type', 'role']
      .filter((a) => e.hasAttribute(a)).map((a) => `${a}=${e.getAttribute(a)}`);
    const kids = [...e.children].filter((c) => !skip(c)).map(shape);
    const text = e.children.length || e.tagName === 'TIME' ? '' : e.textContent.trim();
    return `<${e.tagName.toLowerCase()} ${attrs.join(' ')}>${text}${kids.join('')}`;
  };
  return shape(root);
}"""

HOSTILE_JS = """(root) => {
  const all = [...root.querySelectorAll('*')];
  return {
    scripts: root.querySelectorAll('script, iframe, object, embed').length,
    handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name)),
    jsUrls: all.flatMap((e) => ['href', 'src', 'action'].map((a) => e.getAttribute(a) || ''))
      .filter((v) => /^\\s*javascript:/i.test(v)),
    svgs: root.querySelectorAll('svg').length,
  };
}"""


# The contrast (WCAG 2) of an element's text against what is behind it, counting every faded
# ancestor: what a reader's eye gets, not what the stylesheet names.
CONTRAST_JS = """(node) => {
  const rgba = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  let opacity = 1, back = null;
  for (let e = node; e; e = e.parentElement) {
    const style = getComputedStyle(e);
    opacity *= Number(style.opacity);
    const colour = rgba(style.backgroundColor);
    if (!back && colour[3] > 0) back = colour;
  }
  back = back || [255, 255, 255, 1];
  const text = rgba(getComputedStyle(node).color), alpha = text[3] * opacity;
  const seen = [0, 1, 2].map((i) => text[i] * alpha + back[i] * (1 - alpha));
  const luminance = (c) => c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const [light, dark] = [luminance(seen), luminance(back.slice(0, 3))].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


def label(name: str) -> re.Pattern[str]:
    """A field's label, its required mark allowed: "Email" is not "Email me when my comment ..."."""
    return re.compile(rf"^{name}\W*$")


def widget(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#comments .mod-comments")


def comment(page: Page, comment_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f"#comments #comment-{comment_id}")


async def fill_form(page: Page, body: str, **fields: str) -> None:
    values = {**READER, **fields}
    await page.get_by_label(label("Comment")).fill(body)
    await page.get_by_label(label("Name")).fill(values["name"])
    await page.get_by_label(label("Email")).fill(values["email"])
    await page.get_by_label(label("Website")).fill(values["website"])


async def form_values(page: Page) -> dict[str, str]:
    return {
        name: await page.locator(f"#comments #mod-{name}").input_value()
        for name in ("body", "name", "email", "website")
    }


def comments_in_database(stack: Stack, thread: str) -> list[tuple[str, str, str]]:
    with closing(sqlite3.connect(stack.database)) as db:
        return db.execute(
            "SELECT c.name, c.status, c.body FROM comments c JOIN threads t ON t.id = c.thread_id"
            " WHERE t.key = ? ORDER BY c.id",
            (thread,),
        ).fetchall()


# --- reading ------------------------------------------------------------------------------------


async def test_widget_on_another_origin_shows_approved_comments_nested_replies_count_and_form(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    thread = stack.thread()
    first = await publish(
        stack.client,
        smtpd,
        thread=thread,
        name="Ana First",
        website="https://ana.example/",
        body="My *third* session helped most.",
    )
    reply = await publish(stack.client, smtpd, thread=thread, name="Ben Replying", parent=first, body="Same here.")
    await submit(stack.client, thread=thread, name="Pat Pending", body="Not approved yet.")
    await publish(stack.client, smtpd, thread=stack.thread("another-article"), name="Elsewhere Reader")

    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())

    await expect(widget(page).locator(".mod-count")).to_have_text("2 comments")
    top = widget(page).locator(":scope > ol.mod-list > li.mod-comment")
    await expect(top).to_have_count(1)
    author = comment(page, first).locator(":scope > article .mod-author")
    await expect(author).to_have_text("Ana First")
    await expect(author).to_have_attribute("href", "https://ana.example/")
    await expect(author).to_have_attribute("rel", "nofollow ugc noopener")
    await expect(comment(page, first).locator(":scope > article .mod-body em")).to_have_text("third")
    nested = comment(page, first).locator(f":scope > ol.mod-list.mod-replies > li#comment-{reply}")
    await expect(nested.locator(".mod-author")).to_have_text("Ben Replying")
    await expect(nested.locator("span.mod-author")).to_have_count(1)  # no website: no link
    await expect(widget(page)).not_to_contain_text("Pat Pending")
    await expect(widget(page)).not_to_contain_text("Elsewhere Reader")

    avatar = comment(page, first).locator(":scope > article img.mod-avatar")
    assert (await avatar.get_attribute("src") or "").startswith(f"{stack.service}/avatar/")
    assert await avatar.get_attribute("alt") == ""
    await expect(avatar).to_have_js_property("complete", True)
    assert await avatar.evaluate("img => img.naturalWidth") > 0  # the identicon loaded across origins
    date = comment(page, first).locator(":scope > article time.mod-date")
    assert (await date.get_attribute("datetime") or "").endswith("Z")
    assert await date.inner_text()

    await expect(page.get_by_text("Your email address will not be published.")).to_be_visible()
    for name in ("Comment", "Name", "Email", "Website"):
        await expect(page.get_by_label(label(name))).to_be_editable()
    await expect(page.get_by_role("button", name="Post Comment")).to_be_enabled()
    # embed.css arrived once and styles the thread.
    await expect(page.locator(f'link[href="{stack.service}/static/embed.css"]')).to_have_count(1)
    assert await top.first.evaluate("li => getComputedStyle(li.parentElement).listStyleType") == "none"
    assert watch.problems == []  # nothing broke, the site's CSP included

    # The same markup as the server's /embed fragment.
    fragment_page, _ = await watched_page(browser, java_script_enabled=False)
    await fragment_page.goto(f"{stack.service}/embed?thread={thread}")
    server_shape = await fragment_page.locator(".mod-comments > ol.mod-list").evaluate(SHAPE_JS)
    widget_shape = await widget(page).locator(":scope > ol.mod-list").evaluate(SHAPE_JS)
    assert widget_shape == server_shape
    server_form = await fragment_page.locator("form.mod-form").evaluate(SHAPE_JS)
    widget_form = await widget(page).locator("form.mod-form").evaluate(SHAPE_JS)
    assert widget_form == server_form
    # One date format: the widget (JavaScript) and the fragment (Python) print the same words.
    server_date = await fragment_page.locator(f"#comment-{first} > article time.mod-date").inner_text()
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", server_date)
    assert await date.inner_text() == server_date

    # The Reply buttons are set in the page's own font, not the browser's button font.
    reply_button = comment(page, first).get_by_role("button", name="Reply to Ana First")
    page_font = await page.locator("main > article > p").evaluate("p => getComputedStyle(p).fontFamily")
    assert await reply_button.evaluate("b => getComputedStyle(b).fontFamily") == page_font

    # Coming back: the browser revalidates its copy with the ETag (a 304 across origins), draws the same.
    etag = (await stack.client.get("/api/comments", params={"thread": thread})).headers["ETag"]
    async with page.expect_request(lambda r: "/api/comments?" in r.url) as revalidation:
        await page.reload()
    assert (await (await revalidation.value).all_headers()).get("if-none-match") == etag
    await page.wait_for_selector(WIDGET_READY, state="attached")
    await expect(widget(page).locator(".mod-count")).to_have_text("2 comments")
    await expect(nested.locator(".mod-author")).to_have_text("Ben Replying")


# --- posting ------------------------------------------------------------------------------------


async def test_reader_posts_sees_awaiting_moderation_and_after_approval_from_the_mailbox_reload_shows_it(
    browser: Browser, mailbox_stack: Stack
) -> None:
    stack = mailbox_stack
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    await expect(widget(page).locator(".mod-count")).to_have_text("0 comments")
    # A listener added after the widget's sees the state the widget left the button in.
    await page.evaluate(
        """() => document.querySelector('.mod-form').addEventListener('submit', () => {
             window.buttonWasDisabled = document.querySelector('.mod-form button[type=submit]').disabled;
           })"""
    )

    await fill_form(page, "Six sessions in, I sleep better.\n\nThank you for **this** article.")
    await page.get_by_role("button", name="Post Comment").click()

    pending = widget(page).locator("li.mod-comment.mod-pending")
    await expect(pending).to_have_count(1)
    await expect(pending.locator(".mod-badge")).to_have_text("Awaiting moderation")
    await expect(pending.locator(".mod-author")).to_have_text("Robin Reader")
    await expect(pending.locator(".mod-body p")).to_have_text(
        ["Six sessions in, I sleep better.", "Thank you for **this** article."]  # text, not Markdown
    )
    await expect(widget(page).locator(".mod-status")).to_contain_text("awaiting moderation")
    assert await page.evaluate("window.buttonWasDisabled") is True
    await expect(page.get_by_role("button", name="Post Comment")).to_be_enabled()
    assert await form_values(page) == {"body": "", **READER}  # ready for another comment
    assert page.url == stack.article()  # never left the page

    moderator = await page.context.new_page()
    await approve_from_mailbox(moderator, stack.service, "Robin Reader")

    await page.reload()
    await page.wait_for_selector(WIDGET_READY, state="attached")
    await expect(widget(page).locator(".mod-count")).to_have_text("1 comment")
    published = widget(page).locator("li.mod-comment", has_text="Six sessions in")
    await expect(published.locator(".mod-author")).to_have_text("Robin Reader")
    await expect(published.locator(".mod-body strong")).to_have_text("this")  # now the server's Markdown
    await expect(widget(page).locator(".mod-pending, .mod-badge")).to_have_count(0)
    assert watch.problems == []


async def test_the_readers_own_pending_comment_lines_up_with_the_others_and_reads_at_aa_contrast(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    first = await publish(stack.client, smtpd, thread=stack.thread(), name="Ana First")
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    await fill_form(page, "Is the fourth session usually easier?")
    await page.get_by_role("button", name="Post Comment").click()
    pending = widget(page).locator("li.mod-pending")
    await expect(pending.locator(".mod-badge")).to_have_text("Awaiting moderation")

    avatar = pending.locator("img.mod-avatar")
    await expect(avatar).to_have_js_property("complete", True)
    assert await avatar.evaluate("img => img.naturalWidth") > 0
    assert await avatar.get_attribute("alt") == ""
    for part in ("img.mod-avatar", ".mod-author", ".mod-body p"):
        mine = await pending.locator(part).bounding_box()
        theirs = await comment(page, first).locator(part).first.bounding_box()
        assert mine and theirs and mine["x"] == theirs["x"], part  # in line with the approved comment

    assert await pending.locator(".mod-badge").evaluate(CONTRAST_JS) >= 4.5
    for part in (".mod-author", ".mod-body p", ".mod-date"):
        assert await pending.locator(part).evaluate(CONTRAST_JS) >= 4.5, part
    assert watch.problems == []


async def test_reply_button_moves_the_form_under_the_comment_and_the_approved_reply_is_nested_there(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    thread = stack.thread()
    first = await publish(stack.client, smtpd, thread=thread, name="Ana First")
    second = await publish(stack.client, smtpd, thread=thread, name="Cal Second")
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    form = widget(page).locator("form.mod-form")

    # Reply, then change one's mind: the form goes back, with what was typed.
    await comment(page, first).get_by_role("button", name="Reply to Ana First").click()
    await expect(comment(page, first).locator("form.mod-form")).to_have_count(1)
    await expect(page.locator("#mod-body")).to_be_focused()
    await page.get_by_label(label("Comment")).fill("A draft")
    await page.get_by_role("button", name="Cancel reply").click()
    await expect(comment(page, first).locator("form.mod-form")).to_have_count(0)
    await expect(widget(page).locator(":scope > .mod-respond > form.mod-form")).to_have_count(1)
    await expect(page.get_by_role("button", name="Cancel reply")).to_be_hidden()
    await expect(page.get_by_role("button", name="Reply to Ana First")).to_be_focused()
    assert (await form_values(page))["body"] == "A draft"

    await comment(page, second).get_by_role("button", name="Reply to Cal Second").click()
    await expect(comment(page, second).locator("form.mod-form")).to_have_count(1)
    await expect(comment(page, second).locator(".mod-reply-title")).to_have_text("Leave a Reply to Cal Second")
    await fill_form(page, "Replying to Cal.", name="Dee Replier")
    await page.get_by_role("button", name="Post Comment").click()

    pending = comment(page, second).locator(":scope > ol.mod-replies > li.mod-pending")
    await expect(pending.locator(".mod-author")).to_have_text("Dee Replier")
    await expect(form).to_have_count(1)
    await expect(comment(page, second).locator("form.mod-form")).to_have_count(0)  # back at the bottom

    rows = comments_in_database(stack, thread)
    assert rows[-1][:2] == ("Dee Replier", "pending")
    with closing(sqlite3.connect(stack.database)) as db:
        reply_id, parent_id = db.execute("SELECT id, parent_id FROM comments ORDER BY id DESC LIMIT 1").fetchone()
    assert parent_id == second
    await decide(stack.client, smtpd, reply_id, "approve")

    await page.reload()
    await page.wait_for_selector(WIDGET_READY, state="attached")
    nested = comment(page, second).locator(f":scope > ol.mod-list.mod-replies > li#comment-{reply_id}")
    await expect(nested.locator(".mod-author")).to_have_text("Dee Replier")
    await expect(nested.locator(".mod-body")).to_have_text("Replying to Cal.")
    await expect(comment(page, first).locator(".mod-replies")).to_have_count(0)
    await expect(widget(page).locator(".mod-count")).to_have_text("3 comments")
    assert watch.errors == []


async def test_invalid_fields_show_errors_beside_them_and_keep_every_typed_value(
    browser: Browser, stack: Stack
) -> None:
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    typed = {
        "body": "My question about *maintenance*.",
        "name": "Robin Reader",
        "email": "robin@",
        "website": "http://",
    }
    await fill_form(page, typed["body"], email=typed["email"], website=typed["website"])

    # Caught in the page: the email; nothing is sent.
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    await page.get_by_role("button", name="Post Comment").click()
    email = page.locator("#comments #mod-email")
    await expect(page.locator("#mod-email-error")).to_have_text("Please enter a valid email address.")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(email).to_have_attribute("aria-describedby", "mod-email-error")
    await expect(email).to_be_focused()
    beside = page.locator("#comments p.mod-field").filter(has=page.locator("#mod-email")).locator(".mod-error")
    await expect(beside).to_have_text("Please enter a valid email address.")
    assert posts == []
    assert await form_values(page) == typed

    # Caught by the service only: a web address with no host. The answer lands beside the field.
    await email.fill("robin@example.com")
    await page.get_by_role("button", name="Post Comment").click()
    website = page.locator("#comments #mod-website")
    await expect(page.locator("#mod-website-error")).to_have_text(
        "Please enter a web address starting with http:// or https://."
    )
    await expect(website).to_have_attribute("aria-invalid", "true")
    await expect(website).to_have_attribute("aria-describedby", "mod-website-error")
    await expect(page.locator("#mod-email-error")).to_have_count(0)  # the fixed field is no longer marked
    await expect(email).not_to_have_attribute("aria-invalid", "true")
    assert posts == [f"{stack.service}/api/comments"]
    assert await form_values(page) == {**typed, "email": "robin@example.com"}
    await expect(widget(page).locator(".mod-pending")).to_have_count(0)
    assert comments_in_database(stack, stack.thread()) == []
    assert watch.errors == []


async def test_over_the_rate_limit_the_reader_is_told_to_wait_and_keeps_what_they_typed(
    browser: Browser,
    aiohttp_server,
    aiohttp_client,
    tmp_path: Path,
    smtpd: SmtpSink,  # type: ignore[no-untyped-def]
) -> None:
    stack = await start_stack(aiohttp_server, aiohttp_client, tmp_path, smtpd, rate_limit="1/minute")
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    await fill_form(page, "First comment.")
    await page.get_by_role("button", name="Post Comment").click()
    await expect(widget(page).locator(".mod-pending")).to_have_count(1)

    await page.get_by_label(label("Comment")).fill("Second comment, too soon.")
    await page.get_by_role("button", name="Post Comment").click()
    await expect(widget(page).locator(".mod-status")).to_contain_text("Please wait a minute")
    await expect(widget(page).locator(".mod-pending")).to_have_count(1)
    await expect(page.get_by_role("button", name="Post Comment")).to_be_enabled()
    assert await form_values(page) == {"body": "Second comment, too soon.", **READER}
    assert watch.errors == []


# --- safety -------------------------------------------------------------------------------------


async def test_hostile_comments_show_as_text_run_no_script_and_reach_no_other_host(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    thread = stack.thread()
    payloads = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>"]
    for payload in payloads:
        await publish(stack.client, smtpd, thread=thread, name=payload, body=f"{payload} and {payload}")
    await publish(
        stack.client,
        smtpd,
        thread=thread,
        name="Link Person",
        website='https://x.example/"><svg/onload=alert(1)>',
        body='[click](javascript:alert(1)) <a href="javascript:alert(1)">here</a>',
    )
    page, watch = await watched_page(browser)
    # No site policy on this page: only the widget and the service stand between comment and reader.
    await open_widget(page, stack.article() + "?csp=off")
    await expect(widget(page).locator(".mod-count")).to_have_text("4 comments")

    authors = widget(page).locator(".mod-author")
    await expect(authors).to_have_text([*payloads, "Link Person"])
    for payload in payloads:
        await expect(widget(page).locator(".mod-body", has_text=f"{payload} and {payload}")).to_have_count(1)
    link = widget(page).locator("a.mod-author")
    await expect(link).to_have_attribute("href", 'https://x.example/"><svg/onload=alert(1)>')

    # The reader's own comment, drawn by the widget from what they typed.
    await fill_form(page, "<img src=x onerror=alert(2)> **bold**", name="<script>alert(2)</script>", website="")
    await page.get_by_role("button", name="Post Comment").click()
    pending = widget(page).locator(".mod-pending")
    await expect(pending.locator(".mod-author")).to_have_text("<script>alert(2)</script>")
    await expect(pending.locator(".mod-body")).to_have_text("<img src=x onerror=alert(2)> **bold**")

    await page.wait_for_timeout(300)  # time for any stray handler to fire
    found = await widget(page).evaluate(HOSTILE_JS)
    assert found == {"scripts": 0, "handlers": [], "jsUrls": [], "svgs": 0}
    assert watch.dialogs == []
    allowed = (f"{stack.service}/", f"{stack.site}/")
    assert watch.requests and all(url.startswith(allowed) for url in watch.requests), watch.requests
    assert not any(url.endswith("/x") for url in watch.requests)  # no <img src=x> was ever made
    assert watch.errors == []


async def test_a_page_on_an_origin_not_allowed_cannot_read_the_comments_and_says_so(
    browser: Browser,
    stack: Stack,
    smtpd: SmtpSink,
    aiohttp_server,  # type: ignore[no-untyped-def]
) -> None:
    await publish(stack.client, smtpd, thread=stack.thread(), name="Ana First")
    stranger = await start_site(aiohttp_server, stack.service)

    allowed_page, _ = await watched_page(browser)
    await open_widget(allowed_page, stack.article())
    await expect(widget(allowed_page).locator(".mod-author")).to_have_text("Ana First")  # the control

    page, watch = await watched_page(browser)
    await page.goto(f"{stranger}/articles/how-many-sessions/")
    # Not "try again later": retrying cannot help. The site's owner finds what to change in the console.
    await expect(page.locator(WIDGET_FAILED)).to_have_text("Comments are not available on this page.")
    advice = [text for text in watch.console_errors if "MODERATION_ALLOWED_ORIGINS" in text]
    assert len(advice) == 1 and stranger in advice[0] and stack.service in advice[0], watch.console_errors
    await expect(page.get_by_role("heading", name="How many ketamine treatments")).to_be_visible()
    await expect(page.locator("#comments")).not_to_contain_text("Ana First")
    await expect(page.locator("#comments form")).to_have_count(0)
    assert watch.errors == []  # the failure was handled, not thrown
    # The browser itself refuses the page a look, however it asks.
    refused = await page.evaluate(
        """(url) => fetch(url, {mode: 'cors'}).then(() => 'read', (e) => e.name)""",
        f"{stack.service}/api/comments?thread={stack.thread()}",
    )
    assert refused == "TypeError"


# --- without JavaScript, and with the keyboard only ---------------------------------------------


async def test_without_javascript_the_included_fragment_posts_and_returns_to_the_site_page(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    page, watch = await watched_page(browser, java_script_enabled=False)
    await page.goto(stack.generated())
    await expect(page.locator("#comments .mod-count")).to_have_text("0 comments")
    await expect(page.locator("#comment-pending")).to_be_hidden()
    await fill_form(page, "Posted from a browser without JavaScript.", name="Nora Nojs")
    # A person takes a few seconds to write; the service keeps a form sent back quicker as a bot's.
    await page.wait_for_timeout(3_200)
    await page.get_by_role("button", name="Post Comment").click()

    await page.wait_for_url(re.compile(re.escape(stack.generated()) + r"\?pending=[\w.-]+#comment-pending$"))
    await expect(page.locator("#comment-pending")).to_be_visible()
    await expect(page.locator("#comment-pending")).to_have_text("Thank you: your comment is awaiting moderation.")
    # Their own comment, as the widget would show it: for them, not for the next reader.
    mine = page.locator("#comments li.mod-pending")
    await expect(mine.locator(".mod-author")).to_have_text("Nora Nojs")
    await expect(mine.locator(".mod-badge")).to_have_text("Awaiting moderation")
    await expect(mine.locator("img.mod-avatar")).to_have_js_property("complete", True)
    other, _ = await watched_page(browser, java_script_enabled=False)
    await other.goto(stack.generated())
    await expect(other.locator("#comments")).not_to_contain_text("Nora Nojs")
    thread = stack.thread(kind="generated")
    assert comments_in_database(stack, thread) == [
        ("Nora Nojs", "pending", "Posted from a browser without JavaScript.")
    ]
    mails = await smtpd.wait_for(1)
    assert "Nora Nojs" in text_of(mails[0])
    assert watch.errors == []


async def test_without_javascript_the_demo_page_comes_back_to_the_article_though_its_origin_is_not_allowed(
    browser: Browser, stack: Stack
) -> None:
    assert stack.service not in stack.config.allowed_origins
    page, watch = await watched_page(browser, java_script_enabled=False)
    await page.goto(f"{stack.service}/")
    await fill_form(page, "Asked without JavaScript, on the demo page.", name="Nora Nojs")
    await page.wait_for_timeout(3_200)  # a person's pace (see above)
    await page.get_by_role("button", name="Post Comment").click()

    await page.wait_for_url(re.compile(re.escape(stack.service) + r"/\?pending=[\w.-]+#comment-pending$"))
    await expect(page.get_by_role("heading", name=ARTICLE_TITLE)).to_be_visible()
    await expect(page.locator("#comment-pending")).to_be_visible()
    mine = page.locator("#comments li.mod-pending")
    await expect(mine.locator(".mod-body")).to_have_text("Asked without JavaScript, on the demo page.")
    landed = page.url
    assert watch.problems == []

    # The same address with JavaScript (the script was slow, the reader quick): the widget keeps it.
    scripted, scripted_watch = await watched_page(browser)
    await open_widget(scripted, landed)
    await expect(widget(scripted).locator("li.mod-pending .mod-author")).to_have_text("Nora Nojs")
    await expect(widget(scripted).locator(".mod-status")).to_have_count(1)
    assert scripted_watch.problems == []


async def test_keyboard_only_reader_reaches_every_field_in_order_and_posts(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    first = await publish(stack.client, smtpd, thread=stack.thread(), name="Ana First")
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    keyboard = page.keyboard

    async def focused() -> str:
        return str(
            await page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.id || e.getAttribute('aria-label') || e.textContent.trim(); }"
            )
        )

    async def tab_until(wanted: str, limit: int = 12) -> list[str]:
        seen = []
        for _ in range(limit):
            await keyboard.press("Tab")
            seen.append(await focused())
            if seen[-1] == wanted:
                return seen
        raise AssertionError(f"Tab never reached {wanted!r}: {seen}")

    # Reply and cancel, by keyboard.
    await tab_until("Reply to Ana First")
    await keyboard.press("Enter")
    assert await focused() == "mod-body"
    await expect(comment(page, first).locator("form.mod-form")).to_have_count(1)
    await keyboard.press("Shift+Tab")
    assert await focused() == "Your data"  # the privacy notes' link, just above the comment field
    await keyboard.press("Shift+Tab")
    assert await focused() == "Cancel reply"
    await keyboard.press("Enter")
    assert await focused() == "Reply to Ana First"
    await expect(comment(page, first).locator("form.mod-form")).to_have_count(0)

    # Then a comment of one's own, every field in order; the hidden bot trap is never a stop.
    assert "mod-homepage" not in await tab_until("mod-body")
    await keyboard.type("Typed without a mouse.")
    order = []
    for text in ("Kim Keys", "kim@example.com", "https://kim.example/"):
        await keyboard.press("Tab")
        order.append(await focused())
        await keyboard.type(text)
    for _ in range(2):  # the "email me" checkbox, left unticked, then the button
        await keyboard.press("Tab")
        order.append(await focused())
    assert order == ["mod-name", "mod-email", "mod-website", "mod-notify", "Post Comment"]
    await keyboard.press("Enter")

    pending = widget(page).locator(".mod-pending")
    await expect(pending.locator(".mod-author")).to_have_text("Kim Keys")
    await expect(pending.locator(".mod-body")).to_have_text("Typed without a mouse.")
    await expect(widget(page).locator(".mod-status")).to_contain_text("awaiting moderation")
    await expect(page.get_by_role("button", name="Post Comment")).to_be_focused()  # not dropped to <body>
    assert comments_in_database(stack, stack.thread())[-1][:2] == ("Kim Keys", "pending")
    assert watch.errors == []


# --- the demo page and the script itself --------------------------------------------------------


async def test_what_the_reader_typed_before_the_widget_loaded_is_still_there_with_the_focus_and_caret(
    browser: Browser, stack: Stack
) -> None:
    page, watch = await watched_page(browser)
    # A slow connection: the server-rendered form is there long before embed.js arrives.
    script_may_load = asyncio.Event()

    async def hold_script(route: Route) -> None:
        await script_may_load.wait()
        await route.continue_()

    await page.route("**/embed.js", hold_script)
    await page.goto(f"{stack.service}/", wait_until="domcontentloaded")  # "load" waits for the script
    await fill_form(page, "Half a thought about maintenance")
    await page.get_by_label(label("Comment")).click()
    await page.keyboard.press("End")
    for _ in range(len(" about maintenance")):
        await page.keyboard.press("ArrowLeft")
    await expect(page.locator(WIDGET_READY)).to_have_count(0)  # still the server's form

    script_may_load.set()
    await page.wait_for_selector(WIDGET_READY, state="attached")
    await expect(widget(page).locator(".mod-status")).to_have_count(1)  # the widget's form now
    assert await form_values(page) == {"body": "Half a thought about maintenance", **READER}
    await expect(page.get_by_label(label("Comment"))).to_be_focused()
    await page.keyboard.type(" (typed on)")
    assert (await form_values(page))["body"] == "Half a thought (typed on) about maintenance"
    assert watch.problems == []


async def test_demo_page_with_a_comment_and_a_reply_is_captured_in_a_screenshot(
    browser: Browser, stack: Stack, smtpd: SmtpSink
) -> None:
    parent = await publish(
        stack.client,
        smtpd,
        thread="/",
        name="Morgan Lee",
        website="https://morgan.example/",
        body="My *third* session was the one that helped most.\n\nThe first two felt like nothing.",
    )
    reply = await publish(
        stack.client,
        smtpd,
        thread="/",
        name="Dr. Sam Ortiz",
        parent=parent,
        body="That is a common pattern; thank you for sharing it.",
    )
    page, watch = await watched_page(browser, viewport={"width": 900, "height": 900})
    await open_widget(page, f"{stack.service}/")
    await expect(widget(page).locator(".mod-count")).to_have_text("2 comments")
    await expect(comment(page, parent).locator(f"#comment-{reply} .mod-author")).to_have_text("Dr. Sam Ortiz")
    await expect(widget(page).get_by_role("button", name=re.compile("^Reply to"))).to_have_count(2)  # the widget's
    await expect(page.locator('link[href$="/static/embed.css"]')).to_have_count(1)  # the page's own, not twice
    await page.wait_for_load_state("networkidle")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "demo-page.png"
    shot.unlink(missing_ok=True)
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
    assert watch.problems == []  # the service's own CSP lets it run


def test_widget_script_is_small_and_uses_no_eval_and_one_innerhtml() -> None:
    source = (ROOT / "static" / "embed.js").read_bytes()
    packed = gzip.compress(source, compresslevel=9)
    print(f"static/embed.js: {len(source)} bytes raw, {len(packed)} bytes gzipped")
    assert len(packed) < 10 * 1024
    text = source.decode()
    assert '"use strict"' in text
    assert text.count(".innerHTML") == 1 and "body.innerHTML = comment.body_html" in text
    for banned in ("eval(", "new Function", "document.write", "insertAdjacentHTML", "outerHTML", ".style."):
        assert banned not in text, banned
