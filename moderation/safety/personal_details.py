"""Personal details in what a reader writes: phone numbers, email addresses, street addresses,
dates of birth and ID-like numbers (record, insurance, card, bank account).

`find_personal_details(text, language)` answers where they are, as spans of the text it was
given (a name or a body: call it once for each), and `redact` replaces each span with
"[removed]". A hold names `kinds(details)`, never the values.

The detector is tuned for few false alarms on ordinary health talk ("2 sessions a week",
"50 mg", "since 2019", "room 101", "call 911"): a phone number must be a valid number of a
region the language is read in, a date counts only beside a word of birth, an ID number only
after the words that name one or when its checksum holds. Its figures are measured by
bench/personal_details.py on comments it was not tuned on.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
import regex
from stdnum import iban, luhn
from stdnum.es import dni, nie
from stdnum.us import ssn

REMOVED = "[removed]"


class Kind(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    STREET_ADDRESS = "street_address"
    DATE_OF_BIRTH = "date_of_birth"
    ID_NUMBER = "id_number"


@dataclass(frozen=True)
class Detail:
    """One personal detail: its kind and where it stands, text[start:end] of the text searched."""

    kind: Kind
    start: int
    end: int


# Where two findings overlap, the one that says more about what the digits are names the span:
# an IBAN's digits may also read as a phone number, a date of birth's as a phone or an ID.
PRECEDENCE = (Kind.EMAIL, Kind.ID_NUMBER, Kind.DATE_OF_BIRTH, Kind.STREET_ADDRESS, Kind.PHONE)

# The regions whose national phone numbers a comment in a language may hold: where the
# clinic's readers in that language mostly live. English: the US, the UK, Ireland, Canada and
# Australia; German: Germany, Austria and Switzerland; Spanish: Spain, the largest Spanish-speaking
# countries of the Americas, and the US, home to tens of millions of Spanish speakers. A number
# written with its country code (+49..., 0049...) is found whatever the language.
PHONE_REGIONS = {
    "en": ("US", "GB", "IE", "CA", "AU"),
    "de": ("DE", "AT", "CH"),
    "es": ("ES", "MX", "AR", "CO", "US"),
}
LANGUAGES = tuple(PHONE_REGIONS)


def find_personal_details(text: str, language: str) -> list[Detail]:
    """The personal details in `text`, in order, overlapping findings merged into one span.

    `language` ("en", "de", "es"; a region such as "de-AT" is read as its language) picks the
    phone regions and the words of addresses, birth and ID numbers; any other language is read
    with all of them."""
    normalised = Normalised.of(text)
    found = [
        Detail(kind, normalised.start_in_original(start), normalised.end_in_original(end))
        for start, end, kind in _findings(normalised.text, _languages(language))
    ]
    return _merged(found)


def redact(text: str, details: Iterable[Detail]) -> str:
    """`text` with each detail's span replaced by "[removed]"; the rest stays as it was."""
    pieces: list[str] = []
    written = 0
    for detail in _merged(details):
        pieces += [text[written : detail.start], REMOVED]
        written = detail.end
    return "".join([*pieces, text[written:]])


def kinds(details: Iterable[Detail]) -> list[Kind]:
    """The kinds found, each once, in the order of Kind: what a hold names."""
    present = {detail.kind for detail in details}
    return [kind for kind in Kind if kind in present]


def _languages(language: str) -> tuple[str, ...]:
    code = language.lower().replace("_", "-").split("-")[0]
    return (code,) if code in PHONE_REGIONS else LANGUAGES


def _merged(details: Iterable[Detail]) -> list[Detail]:
    merged: list[Detail] = []
    for detail in sorted(details, key=lambda detail: (detail.start, detail.end)):
        if merged and detail.start < merged[-1].end:
            last = merged[-1]
            kind = min(last.kind, detail.kind, key=PRECEDENCE.index)
            merged[-1] = Detail(kind, last.start, max(last.end, detail.end))
        else:
            merged.append(detail)
    return merged


# Normalising ---------------------------------------------------------------------------------

# What shows nothing where it stands (zero-width spaces, joiners...): dropped before searching,
# so that "0151\u200b2345 6789" is still a phone number.
INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
CLUSTER = regex.compile(r"\P{M}\p{M}*|\p{M}+")


@dataclass(frozen=True)
class Normalised:
    """A text in NFKC with its invisible characters dropped (full-width "０１５１" reads "0151"),
    and, for each of its characters, the span of the original text it came from."""

    text: str
    starts: tuple[int, ...] | None  # None: the text was already normal, positions are the same
    ends: tuple[int, ...] | None

    @classmethod
    def of(cls, original: str) -> Normalised:
        if unicodedata.is_normalized("NFKC", original) and not INVISIBLE.search(original):
            return cls(original, None, None)
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        # A base character with the combining marks after it is normalised as one, so that
        # "naci" + U+0301 reads "nací".
        for cluster in CLUSTER.finditer(original):
            piece = unicodedata.normalize("NFKC", INVISIBLE.sub("", cluster[0]))
            pieces.append(piece)
            starts += [cluster.start()] * len(piece)
            ends += [cluster.end()] * len(piece)
        return cls("".join(pieces), tuple(starts), tuple(ends))

    def start_in_original(self, index: int) -> int:
        return index if self.starts is None else self.starts[index]

    def end_in_original(self, index: int) -> int:
        return index if self.ends is None else self.ends[index - 1]


# Finding ---------------------------------------------------------------------------------------

Finding = tuple[int, int, Kind]


def _findings(text: str, languages: tuple[str, ...]) -> list[Finding]:
    found = [
        *_emails(text),
        *_id_numbers(text, languages),
        *_dates_of_birth(text, languages),
        *_street_addresses(text, languages),
    ]
    # What is already an address, a card or a date of birth is no phone number: blanked, so
    # that the phone matcher (the costly part) neither reads those digits again nor sees one.
    blanked = list(text)
    for start, end, _ in found:
        blanked[start:end] = " " * (end - start)
    return found + list(_phones("".join(blanked), languages))


# Email addresses: the plain form, and the forms written to escape harvesters,
# "name (at) example (dot) com", "kevin dot nguyen at gmail dot com".
EMAIL = re.compile(r"(?<![\w.+-])[\w.%+-]*\w@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
SPELLED_EMAIL = re.compile(
    r"""(?ix)(?<![\w.])
    \w{1,64}(?:(?:\.|\s+dot\s+|\s*[(\[]dot[)\]]\s*)\w{1,64}){0,3}     # ruth, kevin dot nguyen
    (?:\s*[(\[{]\s*(?:at|arroba|ät)\s*[)\]}]\s*|(?P<said>\s+(?:at|arroba)\s+))  # (at), [at], " at "
    \w[\w-]*                                                           # gmail
    (?:(?P<dot>\s*[(\[]\s*(?:dot|punto|punkt)\s*[)\]]\s*|\s+(?:dot|punto|punkt)\s+)|\.)[a-z]{2,12}
    (?:(?:\s*[(\[]\s*(?:dot|punto|punkt)\s*[)\]]\s*|\s+(?:dot|punto|punkt)\s+|\.)[a-z]{2,12}){0,2}
    (?![\w-])"""
)


def _emails(text: str) -> Iterator[Finding]:
    if "@" in text:
        for match in EMAIL.finditer(text):
            yield match.start(), match.end(), Kind.EMAIL
    for match in SPELLED_EMAIL.finditer(text):
        # "at" alone is an everyday word ("I read it at nytimes.com"): said, it needs a said dot.
        if match["dot"] or not match["said"]:
            yield match.start(), match.end(), Kind.EMAIL


# Phone numbers: what libphonenumber finds and holds valid (the VALID leniency: a real number
# plan's lengths and prefixes, so neither "50 mg" nor "2019" nor "2-3 times" is one); and,
# after a word that says a phone number follows ("call me on", "Handy", "móvil"), one of a
# possible length only, as a number typed from memory or not yet allocated may be.
PHONE_CANDIDATE = re.compile(r"\d(?:[\s().\-/]{0,3}\d){5}")  # six digits or more, close together
PHONE_WORDS = re.compile(
    r"""(?ix)\b(?:call|ring|text|phone|mobile|cell|tel|landline|whatsapp|sms|number|reach\s+me
    |anrufen|ruf|rückruf|telefon\w*|handy|nummer|festnetz\w*|mobil\w*|erreichbar
    |llam\w*|tel[ée]fono|m[óo]vil|celular|n[úu]mero|fijo|contacto)\b"""
)
PHONE_WORD_BEFORE = 30  # characters from such a word to the number: "call me back on"
DATE_SHAPE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{2,4}")  # 02.03.2024 dials Duisburg in Germany
# The candidates the matcher reads in a comment, for each region: a comment has a few, and a
# body of thousands of numbers would otherwise cost the matcher a second.
PHONE_TRIES = 100


@functools.cache
def _phone_regions(languages: tuple[str, ...]) -> tuple[str, ...]:
    # Regions sharing a country code (the US and Canada: +1) read a number the same way: one
    # pass each code is enough. Metadata is loaded per region, the first time one is used.
    by_code: dict[int, str] = {}
    for language in languages:
        for region in PHONE_REGIONS[language]:
            by_code.setdefault(phonenumbers.country_code_for_region(region), region)
    return tuple(by_code.values())


def _phones(text: str, languages: tuple[str, ...]) -> Iterator[Finding]:
    if not PHONE_CANDIDATE.search(text):
        return
    said = [word.end() for word in PHONE_WORDS.finditer(text)]
    leniency = phonenumbers.Leniency.POSSIBLE if said else phonenumbers.Leniency.VALID
    for region in _phone_regions(languages):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency, max_tries=PHONE_TRIES):
            if DATE_SHAPE.fullmatch(match.raw_string):
                continue
            if said and not phonenumbers.is_valid_number(match.number):
                if not any(0 <= match.start - end <= PHONE_WORD_BEFORE for end in said):
                    continue
            yield match.start, match.end, Kind.PHONE


# Street addresses: a house number and a street word, in the order each language writes them.
# "No." words, units and counts after a number say it is not a house number ("Heimweg 20
# Minuten", "Plaza Mayor 3 veces").
EN_STREET_WORDS = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Close|Crescent"
    r"|Terrace|Parkway|Square|Row|Highway|Hwy"
)
EN_STREET = re.compile(
    rf"""(?x)(?<![\w./-])
    \d{{1,5}}[A-Za-z]?(?:/\d{{1,5}})?\s+                          # 221B, 4/18 (a unit and its number)
    (?!(?:Minutes?|Hours?|Miles?|Blocks?|Km)\b)
    (?:[A-Z][\w'’-]*\.?\s+){{1,3}}                               # Baker, North Main
    (?:{EN_STREET_WORDS})\b\.?
    | (?<![\w./-])\d{{1,5}}\s+                                   # or all in small letters: 17 willow lane
    (?!(?:minutes?|min|hours?|hrs?|miles?|mi|blocks?|km|more|the|a|an|of|to|in|on|down|up|one)\b)
    [a-z]{{3,}}\s+(?:street|road|lane|avenue)\b"""
)
DE_STREET = re.compile(
    r"""(?x)\b
    (?:[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ]?[a-zäöüß]+)*             # Schillerstraße, Kastanienallee
       (?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad)
     | [A-ZÄÖÜ][a-zäöüß]+\s+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer))  # Berliner Str.
    \s*\d{1,4}(?:\s?[a-z]\b)?
    (?![\d,.]\d)(?!\s*(?:[A-ZÄÖÜ][a-zäöüß]|mal\b|min\b|km\b|m\b|h\b|x\b|%|€))"""
)
# Compounds of the street words that name no street: "Rückweg 2 Stunden", "Parkplatz 3 war frei".
DE_NOT_STREETS = re.compile(
    r"(?i)(?:heim|rück|hin|um|aus|arbeits|schul|fuß|lebens|park|spiel|sitz|steh)(?:weg|platz)\b"
)
ES_STREET_WORDS = (
    r"Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Pº|Camino|Carrera|Cra\.?|Ronda|Travesía|Glorieta|Rambla"
)
ES_STREET = re.compile(
    rf"""(?x)(?<!\w)
    (?i:{ES_STREET_WORDS})\s*
    (?:(?:de|del|la|las|los|el|y)\s+)*
    [A-ZÁÉÍÓÚÑ][\w.-]*(?:\s+(?:(?:de|del|la|las|los|el|y)\s+)*[A-ZÁÉÍÓÚÑ][\w.-]*){{0,3}}  # Mayor, de la Castellana
    ,?\s*(?:n[º°o]\.?\s*)?\d{{1,4}}(?![\d.,]\d)
    (?!\s*(?:veces|vez|horas?|h\b|minutos?|min\b|km\b|metros|m\b|%|€|años|días|semanas|personas))
    | (?<!\w)(?i:Calle|Carrera|Cra\.?|Cl\.?|Avenida|Av\.?|Diagonal|Transversal)\s+  # Colombia: Calle 72 # 10-34
    \d{{1,3}}[A-Z]?\s*(?:\#|No\.?|Nº)\s*\d{{1,3}}[A-Z]?-\d{{1,3}}"""
)
STREETS = {"en": (EN_STREET,), "de": (DE_STREET,), "es": (ES_STREET,)}


def _street_addresses(text: str, languages: tuple[str, ...]) -> Iterator[Finding]:
    for language in languages:
        for pattern in STREETS[language]:
            for match in pattern.finditer(text):
                if pattern is DE_STREET and DE_NOT_STREETS.match(match[0].split()[0]):
                    continue
                yield match.start(), match.end(), Kind.STREET_ADDRESS


# Dates of birth: a date (with a day and a month) beside a word of birth. A date alone is an
# appointment; a year alone ("born in 1980") says an age, as "I'm 45" does.
MONTHS = {
    "en": "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec",
    "de": "januar|jänner|februar|feber|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
    "|jan|feb|mär|apr|jun|jul|aug|sept|sep|okt|nov|dez",
    "es": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
    "|ene|feb|mar|abr|may|jun|jul|ago|sept|sep|oct|nov|dic",
}
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
YEAR = r"(?:19|20)\d\d"
NUMERIC_DATE = rf"{DAY}[./-](?:0?[1-9]|1[0-2]|{DAY})[./-](?:{YEAR}|\d\d)|{YEAR}-(?:0?[1-9]|1[0-2])-{DAY}"
WRITTEN_DATES = {
    "en": rf"{DAY}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{{months}})\b\.?(?:,?\s+{YEAR})?"
    rf"|(?:{{months}})\b\.?\s+{DAY}(?:st|nd|rd|th)?\b(?:,?\s+{YEAR})?",
    "de": rf"{DAY}\.?\s*(?:{{months}})\b\.?(?:\s+{YEAR})?",
    "es": rf"{DAY}\s+(?:de\s+)?(?:{{months}})\b\.?(?:\s+(?:de|del)\s+{YEAR})?",
}
BIRTH_WORDS = {
    "en": r"born|date\s+of\s+birth|birth\s*date|d\.?o\.?b\b\.?|birthday(?:'s|’s)?|b-day",
    "de": r"geboren|geburtsdatum|geb\.(?:-datum)?|geburtstag",
    "es": r"nac[ií]|nacid[oa]s?|(?:fecha|f\.)\s+(?:de\s+)?nacimiento|cumpleaños|cumplo\s+años",
}
BEFORE_DATE = 25  # characters between a word of birth and the date after it: "born on the"
AFTER_DATE = 12  # and between a date and the word after it: "am 3. März 1982 geboren"
SENTENCE_END = re.compile(r"[.!?]\s+[A-ZÄÖÜ]|[\n;]")


@functools.cache
def _date_patterns(language: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    written = WRITTEN_DATES[language].format(months=MONTHS[language])
    date = re.compile(rf"(?i)(?<![\w./-])(?:{NUMERIC_DATE}|{written})(?![./-]?\d)")
    birth = re.compile(rf"(?i)\b(?:{BIRTH_WORDS[language]})")
    return date, birth


def _dates_of_birth(text: str, languages: tuple[str, ...]) -> Iterator[Finding]:
    for language in languages:
        date_pattern, birth_pattern = _date_patterns(language)
        births = [word.span() for word in birth_pattern.finditer(text)]
        if not births:
            continue
        for date in date_pattern.finditer(text):
            start, end = date.span()
            if any(
                _close(text, word_end, start, BEFORE_DATE) or _close(text, end, word_start, AFTER_DATE)
                for word_start, word_end in births
            ):
                yield start, end, Kind.DATE_OF_BIRTH


def _close(text: str, left: int, right: int, most: int) -> bool:
    return 0 <= right - left <= most and not SENTENCE_END.search(text, left, right)


# ID numbers: what follows the words that name a record, an insurance, a membership or an
# identity document, when it has five digits or more ("patient for 2 years" is not one); and,
# anywhere, the numbers whose checksum holds: payment cards (Luhn), IBANs, US social security
# numbers written 123-45-6789, Spanish DNI and NIE.
ID_WORDS = {
    "en": r"(?:medical\s+)?record|MRN|patient|chart|insurance|member|membership|policy|subscriber|ID|"
    r"NHS|health\s+card|medicare|medicaid|social\s+security|SSN|case",
    "de": r"\w*(?:versicherten|versicherungs|patienten|mitglieds|policen|fall|karten|ausweis|akten)"
    r"(?:-?nummer|-?nr\.?)|versicherungsschein(?:-?nummer|-?nr\.?)?|aktenzeichen|kvnr|ID",
    "es": r"n[úu]mero\s+de\s+(?:historia|paciente|afiliaci[óo]n|afiliado|p[óo]liza|expediente|tarjeta)"
    r"|historia(?:\s+cl[íi]nica)?|afiliaci[óo]n|afiliado|p[óo]liza|expediente|tarjeta\s+sanitaria|seguridad\s+social"
    r"|DNI|NIE|NIF|CIP|CURP|c[ée]dula|documento",
}
ID_FILLER = (
    r"(?:\s*(?:[:#=]|n(?:o|r|º|°)\.?|num(?:ber)?\.?|nummer|n[úu]mero|ID|is|ist|lautet|es|de|clínica|cl[íi]nica))*\s*"
)
# A value: letters before (UHC, P-), groups of digits, letters between groups ("12 150364 M 032").
ID_VALUE = r"(?:[A-Z]{1,5}[ -]?)?\d[\dA-Z]*(?:[ ./-](?:[A-Z]{1,3}[ ./-])?\d[\dA-Z]*)*"
ID_DIGITS = 5
CARD = re.compile(r"(?<![\w+-])[2-6]\d(?:[ -]?\d){11,17}(?![\w-])")
IBAN = re.compile(r"(?<!\w)[A-Z]{2}\d\d(?: ?[A-Z0-9]){11,30}(?!\w)")
SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
SPANISH_ID = re.compile(r"(?<!\w)(?:\d{8}|[XYZ]-?\d{7})-?[A-Z](?!\w)")


@functools.cache
def _id_pattern(language: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?i:{ID_WORDS[language]})(?!\w){ID_FILLER}(?P<value>{ID_VALUE})")


def _id_numbers(text: str, languages: tuple[str, ...]) -> Iterator[Finding]:
    for language in languages:
        for match in _id_pattern(language).finditer(text):
            if sum(character.isdigit() for character in match["value"]) >= ID_DIGITS:
                yield match.start("value"), match.end("value"), Kind.ID_NUMBER
    for match in CARD.finditer(text):
        if luhn.is_valid(re.sub(r"[ -]", "", match[0])):
            yield match.start(), match.end(), Kind.ID_NUMBER
    for match in IBAN.finditer(text):
        end = _iban_end(match[0])
        if end:
            yield match.start(), match.start() + end, Kind.ID_NUMBER
    for match in SSN.finditer(text):
        if ssn.is_valid(match[0]):
            yield match.start(), match.end(), Kind.ID_NUMBER
    for match in SPANISH_ID.finditer(text):
        if dni.is_valid(match[0]) or nie.is_valid(match[0]):
            yield match.start(), match.end(), Kind.ID_NUMBER


def _iban_end(candidate: str) -> int:
    """How much of a candidate is a valid IBAN (a word in capitals may follow one), or 0."""
    for end in range(len(candidate), 14, -1):
        if candidate[end - 1] != " " and iban.is_valid(candidate[:end]):
            return end
    return 0
