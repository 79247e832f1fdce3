"""What a submission must look like, and one plain sentence for each way it can be wrong."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

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


# Bidi embeddings, overrides, isolates and marks: in a body they can make text read backwards
# (and hide what a link really says); nothing a comment needs.
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(N_("Contains a NUL character, which is not text."))
    return value


def _clean_text(value: str) -> str:
    """One spelling for what looks the same (NFC), without bidi controls."""
    return unicodedata.normalize("NFC", _no_nul(value)).translate(BIDI_CONTROLS)


def _body(value: str) -> str:
    value = _clean_text(value).strip()
    if not value:
        raise ValueError(REQUIRED["body"])
    return value


def _thread(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError(N_("Must be the page's path, starting with /."))
    if any(unicodedata.category(char) in FORBIDDEN_IN_NAMES for char in value):
        raise ValueError(N_("Must not contain control or invisible characters."))
    return value


def _name(value: str) -> str:
    if any(unicodedata.category(char) in FORBIDDEN_IN_NAMES for char in value):
        raise ValueError(N_("Please use only printable characters in your name."))
    return unicodedata.normalize("NFC", value)


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(N_("Please enter a valid email address.")) from None


def _website(value: str) -> str:
    if not value:
        return value
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


def _parent_id(value: Any) -> Any:
    if isinstance(value, bool):  # JSON true would otherwise pass as comment 1
        raise ValueError(N_("Must be the id of a comment."))
    return None if value == "" else value


CHECKED = ("1", "on", "true")  # what a ticked box sends, from a form or as JSON text
UNCHECKED = ("", "0", "off", "false")


def _checkbox(value: Any) -> Any:
    """A checkbox: JSON true/false, or a form's 1/on/true; an unticked box sends nothing."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in CHECKED + UNCHECKED:
        return value.strip().lower() in CHECKED
    raise ValueError(N_("Must be ticked (true) or not (false)."))


# What an SQL integer key can hold.
CommentId = Annotated[int, Field(ge=1, le=2**63 - 1, description="Id of an approved comment of the same thread.")]


class Submission(BaseModel):
    """A comment as a reader sends it, from the widget (JSON) or a plain form."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    thread: Annotated[
        str,
        Field(min_length=1, max_length=512, description="The page's path, starting with /."),
        AfterValidator(_thread),
    ]
    name: Annotated[
        str, Field(min_length=1, max_length=100, description="Shown with the comment."), AfterValidator(_name)
    ]
    email: Annotated[str, Field(min_length=1, max_length=254, description="Never published."), AfterValidator(_email)]
    website: Annotated[str, Field(max_length=512, description="Optional http(s) URL."), AfterValidator(_website)] = ""
    body: Annotated[str, Field(min_length=1, max_length=10_000, description="Markdown subset."), AfterValidator(_body)]
    parent: Annotated[CommentId | None, BeforeValidator(_parent_id)] = None
    title: Annotated[
        str, Field(max_length=300, description="The page's title, for the email."), AfterValidator(_clean_text)
    ] = ""
    lang: Annotated[
        str,
        Field(
            max_length=35,
            description="The page's language (the widget's data-lang): the language of the answer's errors and"
            " of the reader's mail. One that does not ship: the site's.",
        ),
    ] = ""
    notify: Annotated[
        bool,
        Field(description="Email me when my comment is published and when someone replies (confirmed by email)."),
        BeforeValidator(_checkbox),
    ] = False


def _sentence(field: str, error: Any, language: Language) -> str:
    kind = error["type"]
    if kind == "missing" or (kind == "string_too_short" and field in REQUIRED):
        return language.gettext(REQUIRED.get(field, N_("This field is required.")))
    if kind == "string_too_long":
        most = language.number(error["ctx"]["max_length"])
        return language.gettext(N_("Please keep this to %(most)s characters or fewer."), most=most)
    if kind == "string_unicode":  # JSON can carry lone surrogates ("\ud800")
        return language.gettext(N_("Contains characters that are not valid text."))
    if kind == "string_type":
        return language.gettext(N_("Must be text."))
    if kind == "value_error":
        return language.gettext(str(error["ctx"]["error"]))
    if field == "parent":
        return language.gettext(N_("Must be the id of a comment."))
    return str(error["msg"]) + "."


def parse_submission(data: dict[str, Any], language: Language) -> Submission | dict[str, str]:
    """The valid submission, or one sentence per invalid field, in the page's language."""
    try:
        return Submission.model_validate(data)
    except ValidationError as invalid:
        errors: dict[str, str] = {}
        for error in invalid.errors(include_url=False):
            field = str(error["loc"][0]) if error["loc"] else "body"
            errors.setdefault(field, _sentence(field, error, language))
        return errors
