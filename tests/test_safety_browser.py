"""The widget tells the writer at once, in real Chromium and in the page's language: where to get
help (an alert, focused, above their pending comment), and that a moderator may remove the
personal details found."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.browser import Stack, open_widget, watched_page


def label(name: str) -> re.Pattern[str]:
    return re.compile(rf"^{name}\W*$")


async def test_a_spanish_reader_in_crisis_sees_where_to_get_help_above_their_comment(
    browser: Browser, stack: Stack
) -> None:
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article() + "?lang=es")
    widget = page.locator("#comments .mod-comments")
    await expect(widget).to_have_attribute("lang", "es")
    await page.get_by_label(label("Comentario")).fill("Ya no aguanto más, quiero morir. Mi móvil es 612 345 678.")
    await page.get_by_label(label("Nombre")).fill("Lucía")
    await page.get_by_label(label("Correo electrónico")).fill("lucia@example.com")
    await page.get_by_role("button", name="Publicar comentario").click()

    pending = widget.locator("li.mod-pending")
    alert = pending.get_by_role("alert")
    await expect(alert).to_have_text(re.compile(r"^Si estás en peligro ahora, llama al número de emergencias"))
    await expect(alert).to_be_focused()
    await expect(alert).to_contain_text("024")
    details = pending.locator(".mod-details")
    await expect(details).to_have_text(
        "Los comentarios son públicos. Antes de publicarlo, la moderación puede quitar los datos personales"
        " (número de teléfono)."
    )
    # Above the comment it is about, which awaits moderation.
    order = await pending.evaluate("li => Array.from(li.children).map(child => child.className || child.tagName)")
    assert order == ["mod-safety", "ARTICLE", "mod-manage"]  # and after it, the writer's own link
    await expect(pending.locator(".mod-badge")).to_have_text("Pendiente de moderación")
    assert watch.errors == [] and watch.failed == []


async def test_a_german_reader_is_told_which_personal_details_a_moderator_may_remove(
    browser: Browser, stack: Stack
) -> None:
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article() + "?lang=de")
    widget = page.locator("#comments .mod-comments")
    await page.get_by_label(label("Kommentar")).fill(
        "Bitte rufen Sie mich an: 0151 23456789, oder schreiben Sie an kai.m@postfach.example."
    )
    await page.get_by_label(label("Name")).fill("Kai")
    await page.get_by_label(label("E-Mail")).fill("kai@example.com")
    await page.get_by_role("button", name="Kommentar abschicken").click()
    pending = widget.locator("li.mod-pending")
    await expect(pending.locator(".mod-details")).to_have_text(
        "Kommentare sind öffentlich. Vor der Veröffentlichung kann die Moderation die persönlichen Angaben"
        " (Telefonnummer, E-Mail-Adresse) entfernen."
    )
    await expect(pending.get_by_role("alert")).to_have_count(0)  # no crisis: nothing to alert
    assert watch.errors == [] and watch.failed == []
