"""What the service does with what the detectors find in a reader's comment: the holds that keep
it for a moderator, the notice its writer is shown at once, the text that mail and webhooks
carry instead (each personal detail a marker: the values are shown in the queue only), and the
text a redaction leaves. No I/O here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..holds import DETAIL_WORDS, Hold, HoldKind
from ..i18n import N_, Language
from ..models import Comment
from ..render import render_body
from .crisis import crisis_signs
from .personal_details import Detail, Kind, find_personal_details, kinds, redact

# What a reader in crisis is shown when the operator set no MODERATION_CRISIS_MESSAGE.
DEFAULT_CRISIS_MESSAGE = N_(
    "If you are in danger now, please call your local emergency number (112 in Europe, 911 in the US)."
    " You can also talk to someone at a crisis line, free and in confidence: in the US, call or text 988;"
    " findahelpline.com lists the lines of other countries."
)
PERSONAL_DETAILS_NOTICE = N_(
    "Comments are public. A moderator may remove the personal details (%(kinds)s) before publishing."
)
MARKER = N_("[%(kind)s — see the queue]")  # a personal detail in mail and webhooks


def safety_holds(name: str, body: str, language: str) -> list[Hold]:
    """A crisis first (it decides what the moderators are sent), then each kind of personal detail
    found in the name or the body: kinds only, never the values."""
    holds = [Hold(HoldKind.CRISIS, crisis.value) for crisis in crisis_signs(body)]
    return holds + [Hold(HoldKind.PERSONAL_DETAILS, kind.value) for kind in found_kinds(name, body, language)]


@dataclass(frozen=True)
class Notice:
    """What the writer of a held comment is told at once: a crisis, the personal details found."""

    crisis: bool
    kinds: tuple[str, ...]

    def answer(self, language: Language, crisis_message: str) -> dict[str, object]:
        """The fields the 202 adds: "notice" (crisis wins), its "message", the "kinds"."""
        answer: dict[str, object] = {"notice": "crisis" if self.crisis else "personal_details"}
        if self.crisis:
            answer["message"] = crisis_message_in(language, crisis_message)
        if self.kinds:
            answer["kinds"] = list(self.kinds)
        return answer

    def personal_details(self, language: Language) -> str:
        """The personal-details notice, its kinds in words: "... (phone number, email address) ..."."""
        words = ", ".join(language.gettext(DETAIL_WORDS[HoldKind.PERSONAL_DETAILS][kind]) for kind in self.kinds)
        return language.gettext(PERSONAL_DETAILS_NOTICE, kinds=words)


def notice_of(holds: Iterable[Hold]) -> Notice | None:
    """The notice a comment's holds call for, or None."""
    holds = tuple(holds)
    crisis = is_crisis(holds)
    words = DETAIL_WORDS[HoldKind.PERSONAL_DETAILS]
    found = tuple(hold.detail for hold in holds if hold.kind is HoldKind.PERSONAL_DETAILS and hold.detail in words)
    return Notice(crisis, found) if crisis or found else None


def crisis_message_in(language: Language, configured: str) -> str:
    """MODERATION_CRISIS_MESSAGE as the operator wrote it, else the default in the reader's language."""
    return configured or language.gettext(DEFAULT_CRISIS_MESSAGE)


def is_crisis(holds: Iterable[Hold]) -> bool:
    return any(hold.kind is HoldKind.CRISIS for hold in holds)


def marker(language: Language | None) -> Callable[[Kind], str]:
    """Each detail's marker in `language` (None: English, for webhooks): "[phone number — see the queue]"."""

    def write(kind: Kind) -> str:
        words = DETAIL_WORDS[HoldKind.PERSONAL_DETAILS][kind.value]
        if language is None:
            return MARKER % {"kind": words}
        return language.gettext(MARKER, kind=language.gettext(words))

    return write


def masked(comment: Comment, site_language: str, mark: Callable[[Kind], str]) -> Comment | None:
    """The comment with each personal detail of its name and body replaced by its marker, its
    body_html rendered from that; None when it holds none (detected again on the stored text)."""
    language = comment.lang or site_language
    name_details = find_personal_details(comment.name, language)
    body_details = find_personal_details(comment.body, language)
    if not name_details and not body_details:
        return None
    body = _replaced(comment.body, body_details, mark)
    return dataclasses.replace(
        comment, name=_replaced(comment.name, name_details, mark), body=body, body_html=render_body(body)
    )


def found_kinds(name: str, body: str, language: str) -> list[Kind]:
    """The kinds of personal details in a name and a body, each once."""
    return kinds([*find_personal_details(name, language), *find_personal_details(body, language)])


def redacted(name: str, body: str, language: str) -> tuple[str, str, list[Kind]]:
    """The name and body with each personal detail found in them (now) replaced by "[removed]",
    and the kinds removed, each once."""
    in_name, in_body = find_personal_details(name, language), find_personal_details(body, language)
    return redact(name, in_name), redact(body, in_body), kinds([*in_name, *in_body])


def _replaced(text: str, details: Iterable[Detail], mark: Callable[[Kind], str]) -> str:
    pieces: list[str] = []
    written = 0
    for detail in details:  # in order and merged, as find_personal_details gives them
        pieces += [text[written : detail.start], mark(detail.kind)]
        written = detail.end
    return "".join([*pieces, text[written:]])
