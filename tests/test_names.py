"""A reader's name cannot pass for the site's or a moderator's, nor look blank; a website holds no
bidi controls. Refused with 422 on the JSON API and on the plain form, in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex
from aiohttp.test_utils import TestClient
from markupsafe import escape
from pytest_aiohttp import AiohttpClient

from moderation.app import create_app
from moderation.i18n import load_translations
from moderation.validation import BIDI_CONTROLS
from tests.conftest import MODERATORS, make_config
from tests.factories import comment_data, submit
from tests.moderators import sign_in
from tests.smtp import SmtpSink

SITE_NAME = "Admin"
BLANK = "Please enter a name that can be seen: this one is made of invisible characters."
BIDI_IN_NAME = "Please remove the characters that change the direction of text from your name."
BIDI_IN_WEBSITE = "Please remove the characters that change the direction of text from the web address."
SITES = "This is the site's own name: please enter yours."
MODERATORS_ = "This is a moderator's address: please enter your own name."

# (field, value, the English sentence it gets)
REFUSED = [
    ("name", "\u3164", BLANK),  # Hangul filler: looks blank
    ("name", "\u115f\u1160", BLANK),
    ("name", " \uffa0 \u034f ", BLANK),
    ("name", "\ufe0f", BLANK),  # a variation selector alone
    ("name", "Dana \u202eredaeR", BIDI_IN_NAME),
    ("name", "\u2067Dana\u2069", BIDI_IN_NAME),
    ("name", SITE_NAME, SITES),
    ("name", "A\u034fdmin", SITES),  # an invisible joiner inside
    ("name", "ADMIN", SITES),
    ("name", "\u0410dmin", SITES),  # Cyrillic capital A
    ("name", "\u0430dm\u0456n", SITES),  # Cyrillic a and i
    ("name", "\uff21\uff44\uff4d\uff49\uff4e", SITES),  # fullwidth: NFKC makes it Admin
    ("name", "\U0001d400dmin", SITES),  # mathematical bold A
    ("name", MODERATORS[0], MODERATORS_),
    ("name", MODERATORS[1].upper(), MODERATORS_),
    ("name", "\u0430lice@clinic.example", MODERATORS_),  # Cyrillic a
    ("name", "aIice@clinic.example", MODERATORS_),  # a capital I for the l
    ("website", "https://dana.example/\u202egpj.exe", BIDI_IN_WEBSITE),
    ("website", "https://dana.example/\u200fpage", BIDI_IN_WEBSITE),
]

ORDINARY_NAMES = [
    "Zoë",
    "O'Brien",
    "José Núñez",
    "Łukasz Żółć",
    "Дмитрий Иванов",
    "Ольга",
    "山田太郎",
    "김민준",
    "Anna ❤️",
    "Alice",  # a moderator's first name is anybody's
    "Admina",
    "Site Admin",
]


@pytest.fixture
async def named_site(tmp_path: Path, smtpd: SmtpSink, database_url: str, aiohttp_client: AiohttpClient) -> TestClient:
    config = make_config(tmp_path, smtpd.port, database_url=database_url, site_name=SITE_NAME)
    return await aiohttp_client(create_app(config))


def translated(code: str, english: str) -> str:
    sentence = load_translations(code).gettext(english)
    assert code == "en" or sentence != english, f"{english!r} is not translated to {code}"
    return sentence


@pytest.mark.parametrize("code", ["en", "de", "es"])
async def test_each_name_that_passes_for_someone_else_gets_422_with_its_sentence_in_the_pages_language(
    named_site: TestClient, code: str
) -> None:
    for field, value, english in REFUSED:
        response = await named_site.post("/api/comments", json=comment_data(**{field: value, "lang": code}))
        assert response.status == 422, (field, value, await response.text())
        assert (await response.json())["errors"] == {field: translated(code, english)}, (field, value)


def control_at(page: str, field: str) -> int:
    found = re.search(rf'<(input|textarea)[^>]*\bname="{field}"', page)
    assert found, f"no control for {field}"
    return found.start()


@pytest.mark.parametrize("code", ["en", "de", "es"])
async def test_the_form_shows_each_refusal_beside_its_field(named_site: TestClient, code: str) -> None:
    following = {"name": "email", "website": "notify"}  # the control after each field in the form
    for field, value, english in REFUSED:
        data = comment_data(**{field: value, "lang": code})
        response = await named_site.post("/api/comments", data=data, allow_redirects=False)
        assert response.status == 422, (field, value)
        page = await response.text()
        sentence = str(escape(translated(code, english)))
        assert page.count(sentence) == 1, (field, value)
        assert control_at(page, field) < page.index(sentence) < control_at(page, following[field]), (field, value)


async def test_by_default_the_site_is_named_by_its_host_and_that_name_is_refused(client: TestClient) -> None:
    for name in ("blog.clinic.example", "BLOG.CLINIC.EXAMPLE", "bIog.clinic.example", "blog.\u0441linic.example"):
        response = await client.post("/api/comments", json=comment_data(name=name))
        assert response.status == 422, name
        assert (await response.json())["errors"] == {"name": SITES}, name


async def test_ordinary_names_from_every_script_still_pass(named_site: TestClient) -> None:
    for name in ORDINARY_NAMES:
        comment_id = await submit(named_site, name=name, website="https://zoe.example/ünïcode")
        assert comment_id > 0, name


async def test_the_sites_replies_from_the_queue_still_go_out_under_its_name(
    named_site: TestClient, smtpd: SmtpSink
) -> None:
    comment_id = await submit(named_site)
    moderator = await sign_in(named_site, smtpd, MODERATORS[0])
    body = {"csrf": await moderator.csrf(), "id": str(comment_id), "body": "Thank you, we answered below."}
    assert (await moderator.post("/queue/reply", body)).status == 303
    thread = await (await named_site.get("/api/comments", params={"thread": comment_data()["thread"]})).json()
    assert [(c["name"], c["by_site"]) for c in thread["comments"]] == [("Dana Reader", False), (SITE_NAME, True)]


def test_the_bidi_controls_taken_out_of_text_are_all_of_unicodes() -> None:
    bidi_control = regex.compile(r"\p{Bidi_Control}")
    assert set(BIDI_CONTROLS) == {code for code in range(0x110000) if bidi_control.match(chr(code))}
