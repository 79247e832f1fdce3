"""My data: a reader asks at /mydata, gets one link a day by mail if anything is kept under the
address, and on its page downloads everything kept or erases it, as `moderation forget` does."""

from __future__ import annotations

import json
import logging
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, expect

from moderation.app_keys import after_answer_tasks_key
from moderation.config import Config
from tests import db
from tests.browser import Stack, open_widget, watched_page
from tests.conftest import PUBLIC_URL
from tests.moderators import Clock
from tests.readers import OTHER, READER, approved, confirmed, settle, subscribed, unsubscribe_path, wait_for_mails_to
from tests.smtp import SmtpSink, text_of
from tests.test_widget import SHAPE_JS, widget
from tests.waiting import eventually

STRANGER = "nobody.here@example.org"
ON_ITS_WAY = "If we keep anything under that address, a link is on its way to it."


async def ask(client: TestClient, address: str, lang: str = "en") -> ClientResponse:
    """Ask for the address's data, and wait until what the answer left to do is done."""
    response = await client.post("/mydata", data={"email": address, "lang": lang})
    await eventually(lambda: not client.app[after_answer_tasks_key], timeout=10.0, interval=0.01)
    return response


def data_mails(smtpd: SmtpSink, address: str) -> list[EmailMessage]:
    return [
        m
        for m in smtpd.messages
        if str(m["Message-ID"]).startswith("<my_data-") and str(m["To"]).lower() == address.lower()
    ]


def data_path(message: EmailMessage) -> str:
    found = re.search(rf"{re.escape(PUBLIC_URL)}(/mydata/\S+)", text_of(message))
    assert found, "no /mydata link in the mail"
    return found.group(1)


async def link_for(client: TestClient, smtpd: SmtpSink, address: str = READER, lang: str = "en") -> str:
    """Ask for the address's data and follow the mail: the path of its link (with ?lang=)."""
    before = len(data_mails(smtpd, address))
    assert (await ask(client, address, lang)).status == 200
    mails = await eventually(lambda: data_mails(smtpd, address)[before:], timeout=15.0)
    return data_path(mails[-1])


async def rows_of(config: Config) -> dict[str, int]:
    """How many rows each table that keeps something of a reader holds."""
    tables = ("comments", "subscriptions", "do_not_mail", "outbox", "data_links", "unsubscribe_links")
    return {table: (await db.query(config, f"SELECT COUNT(*) FROM {table}"))[0][0] for table in tables}


async def test_a_known_and_an_unknown_address_get_the_same_page_and_only_the_known_one_a_link(
    service: TestClient, smtpd: SmtpSink, config: Config, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await approved(service, smtpd, email=READER)
    form = await service.get("/mydata")
    assert form.status == 200
    page = await form.text()
    assert '<label for="my-data-email">Your email address</label>' in page and 'action="/mydata"' in page

    answers = {}
    for address in (READER, STRANGER, READER.upper()):
        response = await ask(service, address)
        answers[address] = (response.status, await response.text())
        assert address.lower() not in answers[address][1].lower(), "the answer shows the address"
        assert response.headers["Cache-Control"] == "no-store"
    assert len(set(answers.values())) == 1, "the answer tells a known address from an unknown one"
    assert ON_ITS_WAY in answers[READER][1]

    await settle(service, smtpd)  # everything written before has gone out
    (mail,) = data_mails(smtpd, READER)  # the second request, in capitals, was the same address's
    assert not data_mails(smtpd, STRANGER), "an address we keep nothing under was mailed"
    assert str(mail["From"]) == config.reader_mail_from and "List-Unsubscribe" not in mail
    assert str(mail["Subject"]) == "What we keep under your email address"
    assert f"See it, download it or erase it: {PUBLIC_URL}/mydata/" in text_of(mail)
    assert "The link works for 24 hours." in text_of(mail)
    lines = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert READER not in lines.lower() and STRANGER not in lines

    # The token is kept only hashed, the address only sealed, and the mail's copy goes once sent.
    token = urlsplit(data_path(mail)).path.rsplit("/", 1)[1]
    (link,) = await db.records(config, "SELECT address, token_hash, address_key FROM data_links")
    assert token not in str(link) and READER not in str(link).lower()
    sent = await db.records(config, "SELECT payload FROM outbox WHERE kind = 'my_data'")
    assert [row["payload"] for row in sent] == ["{}"]


async def test_a_malformed_address_gets_the_form_back_with_its_error_and_nothing_is_mailed(
    service: TestClient, smtpd: SmtpSink
) -> None:
    for typed, error in (
        ("dana.reader@", "Please enter a valid email address."),
        ("", "Please enter your email address."),
    ):
        response = await ask(service, typed)
        assert response.status == 422
        page = await response.text()
        assert 'aria-invalid="true" aria-describedby="my-data-error"' in page
        assert f'<span class="error" id="my-data-error" role="alert">{error}</span>' in page
        assert ON_ITS_WAY not in page
    german = await ask(service, "nicht-gültig", lang="de")
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in await german.text()
    await settle(service, smtpd)
    assert not [m for m in smtpd.messages if str(m["Message-ID"]).startswith("<my_data-")]


async def test_one_mail_a_day_per_address_and_the_link_dies_after_a_day(
    service: TestClient, smtpd: SmtpSink, clock: Clock, config: Config
) -> None:
    await approved(service, smtpd, email=READER)
    first = await link_for(service, smtpd)
    clock.advance(3600)  # past the hour of the client's limit: only the address's day counts
    assert (await ask(service, READER)).status == 200
    await settle(service, smtpd)
    assert len(data_mails(smtpd, READER)) == 1

    clock.advance(86400)
    assert (await service.get(first)).status == 404  # a day old: it no longer works
    second = await link_for(service, smtpd)
    assert second != first and (await service.get(second)).status == 200
    assert len(await db.records(config, "SELECT id FROM data_links")) == 1  # the old mark went


async def test_the_sixth_request_in_an_hour_from_one_client_is_refused_with_429(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    for number in range(5):
        assert (await ask(service, f"reader{number}@example.com")).status == 200
    refused = await ask(service, READER)
    assert refused.status == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Too many requests from your address; please try again in an hour." in await refused.text()
    clock.advance(3601)
    assert (await ask(service, READER)).status == 200


async def test_the_link_page_shows_what_is_kept_and_opening_it_changes_nothing(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    await confirmed(service, smtpd, READER)
    path = await link_for(service, smtpd, lang="de")
    mail = data_mails(smtpd, READER)[-1]  # in the language of the page it was asked from
    assert str(mail["Subject"]) == "Was wir unter Ihrer E-Mail-Adresse speichern"
    assert f"Ansehen, herunterladen oder löschen: {PUBLIC_URL}{path}" in text_of(mail)
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and '<html lang="de">' in str(html.get_content())
    assert f'href="{PUBLIC_URL}{path}"' in str(html.get_content())
    before = await rows_of(config)
    for _ in range(2):  # mail scanners open links, sometimes more than once
        response = await service.get(path)
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        page = await response.text()
        assert f"Gespeichert unter <strong>{READER}</strong>:" in page
        assert "<li>1 Kommentar</li>" in page and "<li>1 Abonnement für Antworten</li>" in page
        assert page.count('<form method="post"') == 2
    assert await rows_of(config) == before


async def test_the_download_has_everything_of_the_address_and_nothing_of_another_even_after_do_not_mail(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    theirs = await confirmed(service, smtpd, READER, body="My own story of the first sessions.")
    reply = await approved(service, smtpd, email=OTHER, parent=theirs, body="Thank you for telling it.")
    await confirmed(service, smtpd, OTHER, body="Another reader's own words.")
    (reply_mail,) = [m for m in await wait_for_mails_to(smtpd, READER, 2) if "replied" in str(m["Subject"])]
    never = await service.post(unsubscribe_path(reply_mail), data={"never": "1"})
    assert never.status == 200

    # Asked never to be mailed, the address still gets the link it asked for just now.
    path = await link_for(service, smtpd)
    token = path.split("?")[0].rsplit("/", 1)[1]
    response = await service.post(f"/mydata/{token}/download?lang=en")
    assert response.status == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    text = await response.text()
    kept = json.loads(text)

    assert kept["address"] == READER
    assert [(c["id"], c["text"], c["state"]) for c in kept["comments"]] == [
        (theirs, "My own story of the first sessions.", "approved")
    ]
    (comment,) = kept["comments"]
    assert comment["thread"] == "/how-many-ketamine-treatments/" and comment["created"].endswith("Z")
    assert [(s["comment"], s["state"]) for s in kept["subscriptions"]] == [(theirs, "ended")]
    assert len(kept["do_not_mail"]) == 1 and kept["do_not_mail"][0]["since"].endswith("Z")
    assert {(m["kind"], m["state"]) for m in kept["emails"]} >= {("published", "sent"), ("reply", "sent")}
    assert [link["used"] is not None for link in kept["confirmation_links"]] == [True]
    assert OTHER not in text and "Another reader" not in text and "Thank you for telling it" not in text
    assert reply not in [c["id"] for c in kept["comments"]]


async def test_erasing_removes_the_addresss_rows_keeps_do_not_mail_and_the_link_stops_working(
    service: TestClient, smtpd: SmtpSink, config: Config
) -> None:
    theirs = await confirmed(service, smtpd, READER)
    reply = await approved(service, smtpd, email=OTHER, parent=theirs, body="A reply by someone else.")
    await confirmed(service, smtpd, OTHER)
    (reply_mail,) = [m for m in await wait_for_mails_to(smtpd, READER, 2) if "replied" in str(m["Subject"])]
    assert (await service.post(unsubscribe_path(reply_mail), data={"never": "1"})).status == 200
    path = await link_for(service, smtpd)
    index = config.sealer().index(READER)
    erase = path.replace("?", "/erase?")

    response = await service.post(erase)
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    page = await response.text()
    assert "<h1>Your data is erased</h1>" in page
    assert "<li>1 comment (1 of them published)</li>" in page and "<li>1 subscription to replies</li>" in page

    assert not await db.records(config, "SELECT id FROM comments WHERE email_index = ?", index)
    assert not await db.records(config, "SELECT id FROM subscriptions WHERE address_key = ?", index)
    assert not await db.records(config, "SELECT id FROM outbox WHERE recipient_index = ?", index)
    assert len(await db.records(config, "SELECT 1 FROM do_not_mail WHERE address_key = ?", index)) == 1
    (mark,) = await db.records(config, "SELECT address, token_hash FROM data_links")
    assert mark == {"address": "", "token_hash": None}  # the day's mark alone stays, until its day is over
    erased = await db.records(
        config, "SELECT actor, channel FROM audit_log WHERE comment_id = ? AND to_status = 'removed'", theirs
    )
    assert erased == [{"actor": "author", "channel": "author"}]  # its owner, not the command line
    others = await db.records(config, "SELECT id, parent_id FROM comments ORDER BY id")
    assert {"id": reply, "parent_id": None} in others and len(others) >= 2  # another's reply stays, moved up

    for method, target in (("GET", path), ("POST", path.replace("?", "/download?")), ("POST", erase)):
        dead = await service.request(method, target)
        assert dead.status == 404, (method, target)
        assert "This link is not valid" in await dead.text()


async def test_a_bad_token_is_a_clear_404_page_with_the_token_headers(service: TestClient) -> None:
    for method, path in (("GET", "/mydata/not-a-token"), ("POST", "/mydata/not-a-token/download")):
        response = await service.request(method, path)
        assert response.status == 404
        page = await response.text()
        assert "<h1>This link is not valid</h1>" in page and 'href="/mydata?lang=en"' in page
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    spanish = await service.get("/mydata/not-a-token?lang=es")
    assert "Este enlace no es válido" in await spanish.text()
    wrong = await service.get("/mydata/not-a-token/erase")  # erasing takes a POST
    assert wrong.status == 405 and wrong.headers["Cache-Control"] == "no-store"


async def test_the_fragment_links_to_the_page_in_its_language(client: TestClient) -> None:
    for lang, words in (("en", "Your data"), ("de", "Ihre Daten"), ("es", "Tus datos")):
        fragment = await (await client.get("/embed", params={"thread": "/a/", "lang": lang})).text()
        assert f'<a href="{PUBLIC_URL}/mydata?lang={lang}">{words}</a>' in fragment
        page = await (await client.get("/mydata", params={"lang": lang})).text()
        assert f"<h1>{words}</h1>" in page and f'<input type="hidden" name="lang" value="{lang}">' in page


async def test_the_widget_links_to_the_page_and_it_opens(browser: Browser, stack: Stack) -> None:
    page, watch = await watched_page(browser)
    await open_widget(page, stack.article())
    link = page.get_by_role("link", name="Your data")
    await expect(link).to_have_attribute("href", f"{stack.service}/mydata?lang=en")
    # The same markup as the fragment's form, the link included.
    fragment_page, _ = await watched_page(browser, java_script_enabled=False)
    await fragment_page.goto(f"{stack.service}/embed?thread={stack.thread()}")
    server_form = await fragment_page.locator("form.mod-form").evaluate(SHAPE_JS)
    assert await widget(page).locator("form.mod-form").evaluate(SHAPE_JS) == server_form
    assert "mod-your-data" in server_form
    await link.click()
    await expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    assert page.url == f"{stack.service}/mydata?lang=en"
    await page.get_by_label("Your email address").fill(READER)
    await page.get_by_role("button", name="Email me a link").click()
    await expect(page.get_by_role("status")).to_have_text(re.compile(re.escape(ON_ITS_WAY)))
    assert watch.problems == []


async def test_an_address_with_only_a_do_not_mail_entry_left_can_still_ask_and_erase_again(
    service: TestClient, smtpd: SmtpSink, clock: Clock, config: Config
) -> None:
    published = await subscribed(service, smtpd, READER)
    assert (await service.post(unsubscribe_path(published), data={"never": "1"})).status == 200
    assert (await service.post((await link_for(service, smtpd)).replace("?", "/erase?"))).status == 200

    clock.advance(86401)  # the day's mark has gone; what is left is the request never to be mailed
    path = await link_for(service, smtpd)
    page = await (await service.get(path)).text()
    assert "<li>0 comments</li>" in page and "<li>a request never to be emailed again</li>" in page
    erased = await (await service.post(path.replace("?", "/erase?"))).text()
    assert "<li>0 comments</li>" in erased and "<li>1 email to this address</li>" in erased  # the link's own
    index = config.sealer().index(READER)
    assert len(await db.records(config, "SELECT 1 FROM do_not_mail WHERE address_key = ?", index)) == 1
    assert not await db.records(config, "SELECT 1 FROM outbox WHERE recipient_index = ?", index)
