"""Languages: complete catalogs, a template in step with the code, and readers and moderators each
served in theirs (the page's for readers, MODERATION_LANGUAGE for moderators)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from moderation.app import create_app
from moderation.app_keys import store_key
from moderation.config import ROOT, Config
from moderation.errors import ConfigError
from moderation.i18n import shipped
from moderation.models import ByHand
from tests.conftest import MODERATORS, make_config
from tests.factories import comment_data, decide, submit
from tests.readers import READER, approved, line_url, wait_for_mails_to
from tests.smtp import SmtpSink, link_path, mails_for, text_of
from tests.waiting import eventually

LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
OTHERS = [code for code in shipped() if code != "en"]
THREAD = comment_data()["thread"]


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def keys(catalog: Catalog) -> set[tuple[str | None, str | tuple[str, ...]]]:
    return {(message.context, message.id) for message in catalog if message.id}


def test_german_and_spanish_ship() -> None:
    assert {"en", "de", "es"} <= set(shipped())


@pytest.mark.parametrize("code", OTHERS)
def test_each_catalog_translates_every_message_of_the_template(code: str) -> None:
    catalog = read(LOCALES / code / "LC_MESSAGES" / "messages.po")
    template = read(TEMPLATE)
    missing = keys(template) - keys(catalog)
    assert not missing, f"{code} lacks {len(missing)} messages, e.g. {sorted(map(str, missing))[:3]}"
    for message in catalog:
        if not message.id or (message.context, message.id) not in keys(template):
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), f"{code}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{code}: {message.id!r} is fuzzy (it would fall back to English)"
        # Babel's own checks: the same %(name)s places, the number of plural forms.
        assert not list(message.check(catalog)), f"{code}: {message.id!r}: {list(message.check(catalog))}"


def test_the_template_has_every_message_the_code_templates_and_widget_say() -> None:
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    extracted = {
        (context, message if isinstance(message, str) else tuple(message))
        for _, _, message, _, context in extract_from_dir(str(ROOT), method_map, options_map)
    }
    written = keys(read(TEMPLATE))
    command = "pybabel extract -F babel.cfg ... (see the README's Adding a language)"
    assert not extracted - written, f"locales/messages.pot is out of date: run {command}; new: {extracted - written}"
    assert not written - extracted, f"locales/messages.pot is out of date: run {command}; gone: {written - extracted}"


def test_a_language_that_does_not_ship_stops_start_up_naming_the_ones_that_do() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"MODERATION_LANGUAGE": "fr"})
    message = str(caught.value)
    assert message.startswith("MODERATION_LANGUAGE: ") and "\n" not in message
    assert all(code in message for code in ("en", "de", "es"))


async def test_the_fragment_in_spanish_with_its_dates_written_as_spanish_does(
    client: TestClient, smtpd: SmtpSink
) -> None:
    await approved(client, smtpd, name="Quinn")
    html = await (await client.get("/embed", params={"thread": THREAD, "lang": "es"})).text()
    assert "1 comentario" in html and "Deja un comentario" in html and "Publicar comentario" in html
    assert "Leave a Reply" not in html
    assert re.search(r'class="mod-date"[^>]*>\d{1,2} de [a-z]+ de \d{4}</time>', html), html
    assert 'name="lang" value="es"' in html  # its plain form posts in Spanish too
    # The JSON the widget reads says the same date the same way.
    answer = await (await client.get("/api/comments", params={"thread": THREAD, "lang": "es"})).json()
    assert answer["lang"] == "es" and answer["count_text"] == "1 comentario"
    assert f">{answer['comments'][0]['date']}</time>" in html


async def test_an_unknown_language_falls_back_to_the_sites(client: TestClient) -> None:
    html = await (await client.get("/embed", params={"thread": THREAD, "lang": "tlh"})).text()
    assert "Leave a Reply" in html and 'name="lang" value="en"' in html
    austrian = await (await client.get("/embed", params={"thread": THREAD, "lang": "de-AT"})).text()
    assert "Schreiben Sie einen Kommentar" in austrian  # a regional variant gets its language


async def test_validation_errors_come_back_in_the_pages_language(client: TestClient) -> None:
    data = comment_data(name="", email="not an address", lang="de")
    response = await client.post("/api/comments", json=data)
    assert response.status == 422
    errors = (await response.json())["errors"]
    assert errors == {
        "name": "Bitte geben Sie Ihren Namen ein.",
        "email": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    }
    form = {key: str(value) for key, value in comment_data(body="", lang="es").items()}
    page = await client.post("/api/comments", data=form)
    assert page.status == 422 and "Escribe un comentario." in await page.text()
    # Refusals too.
    refused = await client.get("/api/comments", params={"thread": "no-slash", "lang": "es"})
    assert (await refused.json())[
        "error"
    ] == "Indica la ruta de la página como ?thread=/ruta/ (512 caracteres como máximo)."


async def test_a_readers_mail_is_in_the_language_of_the_page_they_commented_on(
    client: TestClient, smtpd: SmtpSink
) -> None:
    await approved(client, smtpd, email=READER, notify=True, lang="de")
    (mail,) = await wait_for_mails_to(smtpd, READER, 1)
    text = text_of(mail)
    assert str(mail["Subject"]).startswith("Ihr Kommentar ist veröffentlicht: ")
    assert "Sie möchten per E-Mail erfahren, wenn jemand darauf antwortet." in text
    confirm = line_url(mail, "Confirm")  # the word scripts look for stays English
    assert confirm and confirm.endswith("?lang=de")
    assert "Diese E-Mails abbestellen:" in text and "Stop these emails" not in text
    link = urlsplit(confirm)
    page = await client.get(f"{link.path}?{link.query}")  # the page it opens speaks the mail's language
    assert "Benachrichtigungen über Antworten bestätigen" in await page.text()
    # The moderators' mail about the same comment was in the site's language (English here).
    (about,) = [mail for mail in smtpd.messages if str(mail["To"]) == MODERATORS[0]][:1]
    assert "A new comment is waiting for your approval." in text_of(about)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_moderators_read_mail_in_the_sites_language_with_the_english_link_words(
    tmp_path: Path,
    smtpd: SmtpSink,
    aiohttp_client,
    database_url: str,  # type: ignore[no-untyped-def]
) -> None:
    config = make_config(tmp_path, smtpd.port, database_url=database_url, language="de")
    client = await aiohttp_client(create_app(config))
    comment_id = await submit(client, lang="es")  # the reader's page says nothing about the moderators'
    await eventually(lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS), timeout=15.0)
    mails = mails_for(smtpd.messages, comment_id)
    text = text_of(mails[0])
    assert str(mails[0]["Subject"]).startswith("Neuer Kommentar wartet auf Freigabe: ")
    assert "Ein neuer Kommentar wartet auf Ihre Freigabe." in text
    assert "/moderate/" in (line_url(mails[0], "Approve") or "")
    assert "/moderate/" in (line_url(mails[0], "Reject") or "")
    page = await client.get(link_path(mails[0], "approve"))
    assert "Diesen Kommentar freigeben?" in await page.text()
    await decide(client, smtpd, comment_id)


async def test_a_closed_thread_says_so_in_the_pages_language(client: TestClient) -> None:
    await client.app[store_key].threads.set_by_hand(THREAD, ByHand.CLOSED)
    html = await (await client.get("/embed", params={"thread": THREAD, "lang": "de"})).text()
    assert '<p class="mod-closed">Die Kommentarfunktion ist geschlossen.</p>' in html
    refused = await client.post("/api/comments", json=comment_data(lang="es"))
    assert refused.status == 403
    assert await refused.json() == {"error": "Los comentarios de esta página están cerrados."}
