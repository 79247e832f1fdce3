"""What a submission must look like, and one plain sentence for each way it can be wrong."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import regex
from disarm import skeleton_key
from email_validator import EmailNotValidError, validate_email

from .errors import TooLong
from .i18n import N_, Language

# Characters no name (nor page path) needs and that can disguise one: controls, bidi and
# zero-width formatting, line and paragraph separators, surrogates.
FORBIDDEN_IN_NAMES = {"Cc", "Cf", "Zl", "Zp", "Cs"}

# Every sentence is an English message of the catalogs, translated by parse_submission.
REQUIRED = {
    "thread": N_("The page this comment belongs to is missing."),
    "name": N_("Please enter your name."),
    "email": N_("Please enter your email address."),
    "body": N_("Please write a comment."),
}


# Bidi embeddings, overrides, isolates and marks (Unicode's Bidi_Control): in a body they can make
# text read backwards (and hide what a link really says); nothing a comment needs.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
# What shows nothing where it stands (Unicode's Default_Ignorable_Code_Point): zero-width
# characters, the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, U+034F, variation selectors...
INVISIBLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")


def _visible(value: str) -> str:
    return INVISIBLE.sub("", value)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(N_("Contains a NUL character, which is not text."))
    return value


def _clean_text(value: str) -> str:
    """One spelling for what looks the same (NFC), without bidi controls."""
    return unicodedata.normalize("NFC", _no_nul(value)).translate(BIDI_CONTROLS)


def _title(value: str) -> str:
    """A page's title is one line: it may become what feeds and mail subjects say."""
    return " ".join(_clean_text(value).split())


def _body(value: str) -> str:
    value = _clean_text(value).strip()
    if not value:
        raise ValueError(REQUIRED["body"])
    return value


MAX_THREAD = 512  # characters of a page's path


def _in_one_piece(value: str) -> bool:
    """No whitespace, control or invisible character: a mail client shows a thread's key (in a
    link) as one link, never as a second one after a space; a lone surrogate is no text."""
    if value.isascii():
        return value.isprintable() and " " not in value
    return not any(unicodedata.category(char) in FORBIDDEN_IN_NAMES or char in WHITESPACE for char in value)


def is_thread_key(value: str) -> bool:
    """Whether `value` has the shape of a thread's key (a page's path): checked before any lookup."""
    return value.startswith("/") and len(value) <= MAX_THREAD and _in_one_piece(value)


def _thread(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(N_("Must be the page's path, starting with /."))
    if not _in_one_piece(value):
        raise ValueError(N_("Must not contain spaces, control or invisible characters."))
    return value


def _name(value: str) -> str:
    if any(ord(char) in BIDI_CONTROLS for char in value):
        raise ValueError(N_("Please remove the characters that change the direction of text from your name."))
    if any(unicodedata.category(char) in FORBIDDEN_IN_NAMES for char in value):
        raise ValueError(N_("Please use only printable characters in your name."))
    if not _visible(value).strip(WHITESPACE):
        raise ValueError(N_("Please enter a name that can be seen: this one is made of invisible characters."))
    return unicodedata.normalize("NFC", value)


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(N_("Please enter a valid email address.")) from None


def _website(value: str) -> str:
    if not value:
        return value
    if any(ord(char) in BIDI_CONTROLS for char in value):
        raise ValueError(N_("Please remove the characters that change the direction of text from the web address."))
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() or unicodedata.category(char) == "Cc" for char in value)
    ):
        raise ValueError(N_("Please enter a web address starting with http:// or https://."))
    return value


# Unicode's White_Space: what is trimmed from both ends of every text field before its length is
# checked (str.strip() without arguments would also trim the separators U+001C to U+001F).
WHITESPACE = "\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))


def _text_of(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(N_("Must be text."))
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # JSON can carry lone surrogates ("\ud800")
            raise ValueError(N_("Contains characters that are not valid text.")) from None
    return value


# What an SQL integer key can hold.
MAX_ID = 2**63 - 1
NOT_AN_ID = N_("Must be the id of a comment.")
# A number as text, as a form sends it: "12", " +12 ", "1_000", "12.0"; never "1e3" or "١٢".
ID_TEXT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*(?:\.0+)?")


def _parent_id(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):  # JSON true would otherwise pass as comment 1
        raise ValueError(NOT_AN_ID)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str):
        text = _text_of(value).strip(WHITESPACE)
        if not ID_TEXT.fullmatch(text):
            raise ValueError(NOT_AN_ID)
        value = int(text.partition(".")[0])
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError(NOT_AN_ID)
    return value


CHECKED = ("1", "on", "true")  # what a ticked box sends, from a form or as JSON text
UNCHECKED = ("", "0", "off", "false")


def _checkbox(value: object) -> bool:
    """A checkbox: JSON true/false, or a form's 1/on/true; an unticked box sends nothing."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in CHECKED + UNCHECKED:
        return value.strip().lower() in CHECKED
    raise ValueError(N_("Must be ticked (true) or not (false)."))


@dataclass(frozen=True, kw_only=True)
class Submission:
    """A comment as a reader sends it, from the widget (JSON) or a plain form."""

    thread: str
    name: str
    email: str
    website: str = ""
    body: str
    parent: int | None = None
    title: str = ""
    notify: bool = False


@dataclass(frozen=True)
class TextField:
    """A text field: trimmed, then its length checked, then its own check."""

    name: str
    max_length: int
    check: Callable[[str], str]
    required: bool = False

    def __call__(self, value: object) -> str:
        value = _text_of(value).strip(WHITESPACE)
        if not value and self.required:
            raise ValueError(REQUIRED[self.name])
        if len(value) > self.max_length:
            raise TooLong(N_("Please keep this to %(most)s characters or fewer."), self.max_length)
        return self.check(value)


# What a field's check makes of what was sent: a Submission's value.
FieldValue = str | int | bool | None
# Each field in the order its error is reported, with its check and, if optional, its default.
FIELDS: dict[str, Callable[[object], FieldValue]] = {
    "thread": TextField("thread", MAX_THREAD, _thread, required=True),
    "name": TextField("name", 100, _name, required=True),
    "email": TextField("email", 254, _email, required=True),
    "website": TextField("website", 512, _website),
    "body": TextField("body", 10_000, _body, required=True),
    "parent": _parent_id,
    "title": TextField("title", 300, _title),
    "notify": _checkbox,
}
DEFAULTS: dict[str, FieldValue] = {"website": "", "parent": None, "title": "", "notify": False}
# The fields whose check gives text, for the other places that check a field as a submission's is.
TEXT_FIELDS = {name: check for name, check in FIELDS.items() if isinstance(check, TextField)}


LookAlikeKeys = tuple[str, str]


def skeleton(text: str) -> str:
    """UTS #39's confusable skeleton (with its digit classes: 1 and l, 0 and O): texts with the
    same skeleton look alike."""
    return skeleton_key(text, digit_policy="tr39")


def look_alike_keys(text: str) -> LookAlikeKeys:
    """Two keys that another text shares if it looks like this one, whatever the case: after NFKC,
    without invisible characters, the skeleton of the case-folded text (ADMIN, Admin), and the
    skeleton case-folded (cIinic, with a capital I, for clinic)."""
    plain = unicodedata.normalize("NFKC", _visible(text)).strip(WHITESPACE)
    folded_first = skeleton(unicodedata.normalize("NFKC", plain.casefold()))
    folded_last = unicodedata.normalize("NFKC", skeleton(plain).casefold())
    return folded_first, folded_last


@dataclass(frozen=True)
class ReservedNames:
    """What a reader's name may not pass for: the site's own name and the moderators' addresses,
    kept as their look-alike keys."""

    site: tuple[LookAlikeKeys, ...] = ()
    moderators: tuple[LookAlikeKeys, ...] = ()

    def refusal(self, name: str) -> str | None:
        """Why `name` is not the reader's to take, or None."""
        keys = look_alike_keys(name)
        if any(_same(keys, reserved) for reserved in self.site):
            return N_("This is the site's own name: please enter yours.")
        if any(_same(keys, reserved) for reserved in self.moderators):
            return N_("This is a moderator's address: please enter your own name.")
        return None


def _same(keys: LookAlikeKeys, others: LookAlikeKeys) -> bool:
    return any(key == other for key, other in zip(keys, others, strict=True))


NOTHING_RESERVED = ReservedNames()


@functools.cache
def reserved_names(site_name: str, moderators: tuple[str, ...]) -> ReservedNames:
    """The names a site reserves, made once for its settings."""
    return ReservedNames(
        tuple(map(look_alike_keys, filter(None, [site_name]))), tuple(map(look_alike_keys, moderators))
    )


def parse_submission(
    data: dict[str, object], language: Language, reserved: ReservedNames = NOTHING_RESERVED
) -> Submission | dict[str, str]:
    """The valid submission, or one sentence per invalid field, in the page's language."""
    # Any: each value is what its own field's check gives, which no one type of a dict can say
    # for Submission(**values).
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, check in FIELDS.items():
        if field not in data:
            if field in DEFAULTS:
                values[field] = DEFAULTS[field]
            else:
                errors[field] = language.gettext(REQUIRED[field])
            continue
        try:
            values[field] = check(data[field])
        except TooLong as invalid:
            errors[field] = language.gettext(str(invalid), most=language.number(invalid.most))
        except ValueError as invalid:
            errors[field] = language.gettext(str(invalid))
    refusal = reserved.refusal(values["name"]) if "name" in values else None
    if refusal is not None:
        errors["name"] = language.gettext(refusal)
    return errors if errors else Submission(**values)
