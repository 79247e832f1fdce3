"""What held a comment for a closer look or sent it to spam: each finding's kind, for scripts,
and its detail, for people ({"kind": "spam_words", "detail": "casino"}); how the comment's row
keeps them, and how a moderator reads them, in the site's language. No I/O here.

A new kind is a member of HoldKind, its label below, and its severity in spam.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .i18n import N_, Language


class HoldKind(StrEnum):
    """Stable names: scripts read them in the moderation API's `holds`."""

    HONEYPOT = "honeypot"  # the hidden field people never see was filled in
    FORM_STAMP = "form_stamp"  # a form stamp this service never issued
    TOO_FAST = "too_fast"  # detail: seconds between showing the form and posting it
    FORM_AGE = "form_age"  # detail: days the form was open
    DUPLICATE = "duplicate"  # the same text was already posted on the page
    LINKS = "links"  # detail: how many, above MODERATION_MAX_LINKS
    SPAM_WORDS = "spam_words"  # detail: the word of MODERATION_SPAM_WORDS, as configured
    HOLD_WORDS = "hold_words"  # detail: the word of MODERATION_HOLD_WORDS, as configured
    LINK_DOMAIN = "link_domain"  # detail: the domain of MODERATION_DENY_LINK_DOMAINS linked to
    CLASSIFIER = "classifier"  # MODERATION_SPAM_AUTO binned it; detail: the score
    PERSONAL_DETAILS = "personal_details"  # detail: the kind found (phone, email...), never the value
    CRISIS = "crisis"  # the reader may be in crisis; detail: suicide, self_harm, overdose or emergency
    NO_CHALLENGE = "no_challenge"  # a plain form post where a JSON one would have had to solve a challenge
    CHECK = "check"  # written before kinds were named (migration 0020); detail: what was written then


@dataclass(frozen=True)
class Hold:
    kind: HoldKind
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "detail": self.detail}


def holds_json(holds: Iterable[Hold]) -> str:
    """What the comment's `holds` column keeps."""
    return json.dumps([hold.as_json() for hold in holds], ensure_ascii=False)


def holds_from_json(text: str) -> tuple[Hold, ...]:
    return tuple(_hold(item["kind"], item["detail"]) for item in json.loads(text))


def _hold(kind: str, detail: str) -> Hold:
    """A kind this version does not know (a newer instance of a shared database wrote it) is
    shown as written rather than refused: the comment stays readable during a rolling upgrade."""
    try:
        return Hold(HoldKind(kind), detail)
    except ValueError:
        return Hold(HoldKind.CHECK, f"{kind}: {detail}")


# Each kind as a moderator reads it, its detail in its place.
LABELS = {
    HoldKind.HONEYPOT: N_("filled in the hidden field that people never see"),
    HoldKind.FORM_STAMP: N_("sent a form stamp that was not issued here"),
    HoldKind.TOO_FAST: N_("posted %(detail)s s after the form was shown"),
    HoldKind.FORM_AGE: N_("the form was open for %(detail)s days"),
    HoldKind.DUPLICATE: N_("the same text was already posted on this page"),
    HoldKind.LINKS: N_("%(detail)s links"),
    HoldKind.SPAM_WORDS: N_("contains the spam word “%(detail)s”"),
    HoldKind.HOLD_WORDS: N_("contains “%(detail)s”"),
    HoldKind.LINK_DOMAIN: N_("links to %(detail)s, a denied domain"),
    HoldKind.CLASSIFIER: N_("the spam classifier scored it %(detail)s, above the threshold"),
    HoldKind.PERSONAL_DETAILS: N_("personal details: %(detail)s"),
    HoldKind.CRISIS: N_("the reader may be in crisis (%(detail)s): please read it now"),
    HoldKind.NO_CHALLENGE: N_("sent as a plain form, without the challenge a script would have had to solve"),
}

# The details of these kinds in words (moderation/safety: personal_details.Kind, crisis.Crisis),
# for moderators and, the personal details, for the reader told of them.
DETAIL_WORDS = {
    HoldKind.PERSONAL_DETAILS: {
        "phone": N_("phone number"),
        "email": N_("email address"),
        "street_address": N_("street address"),
        "date_of_birth": N_("date of birth"),
        "id_number": N_("ID number"),
    },
    HoldKind.CRISIS: {
        "suicide": N_("suicide"),
        "self_harm": N_("self-harm"),
        "overdose": N_("overdose"),
        "emergency": N_("medical emergency"),
    },
}


def audit_reason(holds: Iterable[Hold]) -> str:
    """The submission's audit entry, each hold's kind and its English label:
    "links: 5 links; hold_words: contains “dosage”" ("" when nothing held it)."""
    return "; ".join(f"{hold.kind}: {label(None, hold)}" for hold in holds)


def label(language: Language | None, hold: Hold) -> str:
    """A hold as a moderator reads it in `language`; None: in English, as the audit log keeps it."""
    if hold.kind is HoldKind.CHECK:
        return hold.detail  # English, as it was written before kinds were named
    detail = detail_words(language, hold.kind, hold.detail)
    if language is None:
        return LABELS[hold.kind] % {"detail": detail}
    return language.gettext(LABELS[hold.kind], detail=detail)


def detail_words(language: Language | None, kind: HoldKind, detail: str) -> str:
    """A detail in words where its kind has them ("phone": "phone number"), else as it is."""
    words = DETAIL_WORDS.get(kind, {}).get(detail)
    if words is None:
        return detail
    return words if language is None else language.gettext(words)


def holds_line(language: Language, holds: Iterable[Hold]) -> str:
    """Every hold of a comment on one line, for its queue row and its mail: "5 links; contains “dosage”"."""
    return " ".join("; ".join(label(language, hold) for hold in holds).split())
