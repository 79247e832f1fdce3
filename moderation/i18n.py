"""Languages: gettext catalogs read with Babel at start-up, and dates and numbers written the
way each language writes them."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import jinja2
from babel.dates import format_date
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from .resources import folder

DOMAIN = "messages"
SOURCE = "en"  # the messages in the code and templates are English: English needs no catalog
# The Babel locale that writes a language's dates and numbers, where it is not the language
# itself: English dates as the service has always written them, "27 November 2026" (Babel's
# plain "en" says "November 27, 2026").
BABEL_LOCALES = {"en": "en_GB"}


def gettext_noop(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where it is shown."""
    return message


N_ = gettext_noop


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural for extraction (babel.cfg names it); ngettext translates it later."""
    return singular, plural


def shipped() -> tuple[str, ...]:
    """The languages with a catalog in locales/CODE/LC_MESSAGES/messages.po, English first."""
    found = sorted(path.parent.parent.name for path in folder("locales").glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE, *found)


def widget_messages() -> tuple[str, ...]:
    """What static/embed.js says through _(): read from the script itself, as the extractor reads it."""
    with (folder("static") / "embed.js").open("rb") as script:
        found = extract("javascript", script, keywords={"_": None})
        return tuple(dict.fromkeys(str(message) for _, message, _, _ in found))


def load_translations(code: str) -> NullTranslations:
    """A catalog read from its .po file: compiled in memory, so no binary .mo file is kept anywhere."""
    if code == SOURCE:
        return NullTranslations()
    with (folder("locales") / code / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        catalog = read_po(source, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # leaves fuzzy entries out, as msgfmt does: they fall back to English
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@functools.lru_cache(maxsize=1024)  # a thread's comments, and today's answers, share their days
def _long_date(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=locale)


@dataclass
class Language:
    """One shipped language: its messages, its templates, and how it writes dates and numbers."""

    code: str
    translations: NullTranslations
    templates: jinja2.Environment = field(init=False)  # made from the language, so set second

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.translations.ngettext(singular, plural, count) % {"num": self.number(count), **values}

    @property
    def locale_name(self) -> str:
        """The Babel locale that writes this language's dates and numbers."""
        return BABEL_LOCALES.get(self.code, self.code)

    def date(self, moment: date | datetime) -> str:
        """The day of `moment` (UTC), as the fragment and the widget both show it."""
        return _long_date(moment.date() if isinstance(moment, datetime) else moment, self.locale_name)

    def comment_count(self, count: int) -> str:
        """The heading of a thread: "3 comments"."""
        return self.ngettext("%(num)s comment", "%(num)s comments", count)

    def number(self, count: int) -> str:
        return format_decimal(count, locale=self.locale_name)

    def messages(self, ids: tuple[str, ...]) -> dict[str, str]:
        """The translations of `ids` that differ from English: what the widget needs."""
        return {message: self.gettext(message) for message in ids if self.gettext(message) != message}


class Languages:
    """Every shipped language, and the site's own (MODERATION_LANGUAGE) for anything unknown."""

    def __init__(self, site: str, make_templates: Callable[[Language], jinja2.Environment]):
        self._all: dict[str, Language] = {}
        for code in shipped():
            language = Language(code, load_translations(code))
            language.templates = make_templates(language)
            self._all[code] = language
        self.site = self._all[site]
        self.widget_messages = widget_messages()

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._all)

    def get(self, code: object) -> Language:
        """The language a page asks for ("de", "de-AT", "es_MX"), or the site's if it does not ship."""
        if not isinstance(code, str) or not code:
            return self.site
        wanted = code.strip().replace("_", "-").lower()
        return self._all.get(wanted) or self._all.get(wanted.partition("-")[0]) or self.site
