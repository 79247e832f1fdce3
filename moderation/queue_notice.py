"""What a decision in the queue did to each comment: one line for all, and a line each.

It is kept in the moderator's session row until the next decision, as JSON, and shown on the
page the decision redirects to. It names moderators, never a commenter's address.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from .i18n import N_, Language, ngettext_noop
from .models import SYSTEM, Action, Decided

# What a line says, and the headline's part for so many lines that say the same.
DONE = {
    Action.APPROVE: (N_("approved"), ngettext_noop("%(num)s approved", "%(num)s approved")),
    Action.REJECT: (N_("rejected"), ngettext_noop("%(num)s rejected", "%(num)s rejected")),
    Action.SPAM: (N_("marked as spam"), ngettext_noop("%(num)s marked as spam", "%(num)s marked as spam")),
    Action.RESTORE: (N_("restored"), ngettext_noop("%(num)s restored", "%(num)s restored")),
    Action.REDACT: (
        N_("approved with the personal details removed"),
        ngettext_noop(
            "%(num)s approved with the personal details removed", "%(num)s approved with the personal details removed"
        ),
    ),
}
ALREADY = {
    "pending": (N_("already pending"), ngettext_noop("%(num)s already pending", "%(num)s already pending")),
    "approved": (N_("already approved"), ngettext_noop("%(num)s already approved", "%(num)s already approved")),
    "rejected": (N_("already rejected"), ngettext_noop("%(num)s already rejected", "%(num)s already rejected")),
    "spam": (
        N_("already marked as spam"),
        ngettext_noop("%(num)s already marked as spam", "%(num)s already marked as spam"),
    ),
    # Only an author's own link leaves a comment in these: they name who did it themselves.
    "withdrawn": (
        N_("withdrawn by its author"),
        ngettext_noop("%(num)s withdrawn by its author", "%(num)s withdrawn by their authors"),
    ),
    "deleted": (
        N_("deleted by its author"),
        ngettext_noop("%(num)s deleted by its author", "%(num)s deleted by their authors"),
    ),
}
ALREADY_BY = {
    "pending": (
        N_("already pending by %(who)s"),
        ngettext_noop("%(num)s already pending by %(who)s", "%(num)s already pending by %(who)s"),
    ),
    "approved": (
        N_("already approved by %(who)s"),
        ngettext_noop("%(num)s already approved by %(who)s", "%(num)s already approved by %(who)s"),
    ),
    "rejected": (
        N_("already rejected by %(who)s"),
        ngettext_noop("%(num)s already rejected by %(who)s", "%(num)s already rejected by %(who)s"),
    ),
    "spam": (
        N_("already marked as spam by %(who)s"),
        ngettext_noop("%(num)s already marked as spam by %(who)s", "%(num)s already marked as spam by %(who)s"),
    ),
}
WHO = {SYSTEM: N_("the spam checks"), "cli": N_("the command line")}


@dataclass(frozen=True)
class Line:
    comment: int
    name: str  # the commenter's public name
    changed: bool
    status: str  # its state now
    by: str | None = None  # who put it in that state, if not this decision

    def _messages(self, action: Action) -> tuple[str, tuple[str, str]]:
        if self.changed:
            return DONE[action]
        return (ALREADY_BY if self.by and self.status in ALREADY_BY else ALREADY)[self.status]

    def says(self, action: Action, me: str, language: Language) -> str:
        return language.gettext(self._messages(action)[0], who=self._who(me, language))

    def part(self, action: Action, count: int, me: str, language: Language) -> str:
        """What `count` lines that say the same as this one say together in the headline."""
        singular, plural = self._messages(action)[1]
        return language.ngettext(singular, plural, count, who=self._who(me, language))

    def _who(self, me: str, language: Language) -> str:
        if self.by is None:
            return ""
        return language.gettext(N_("you")) if self.by == me else language.gettext(WHO.get(self.by, self.by))


@dataclass(frozen=True)
class Outcome:
    action: Action
    lines: list[Line]
    missing: int = 0  # comments that no longer exist
    edited: int = 0  # comments their authors changed after the page showed them: not decided
    replied: bool = False  # whether a reply was asked for
    reply_url: str | None = None  # where the site's reply is, when it was published
    id: str = field(default_factory=lambda: secrets.token_hex(4))  # the redirect names the outcome it shows

    def headline(self, me: str, language: Language) -> str:
        alike: dict[str, Line] = {}  # one line for each thing said, in order
        counts = Counter[str]()
        for line in self.lines:
            said = line.says(self.action, me, language)
            alike.setdefault(said, line)
            counts[said] += 1
        parts = [line.part(self.action, counts[said], me, language) for said, line in alike.items()]
        if self.missing:
            parts.append(language.ngettext("%(num)s no longer there", "%(num)s no longer there", self.missing))
        if self.edited:
            parts.append(
                language.ngettext(
                    "%(num)s changed by its author since the page showed it, so not decided: read it again",
                    "%(num)s changed by their authors since the page showed them, so not decided: read them again",
                    self.edited,
                )
            )
        text = ", ".join(parts) or language.gettext(N_("No comment was selected; nothing was changed"))
        if self.replied:
            reply = N_("; your reply is published") if self.reply_url else N_("; your reply was not published")
            text += language.gettext(reply)
        return text[0].upper() + text[1:] + "."

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> Outcome | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            lines = [Line(**line) for line in data.pop("lines")]
            return cls(action=Action(data.pop("action")), lines=lines, **data)
        except (ValueError, TypeError, KeyError, AttributeError):  # written by another version: not worth a 500
            return None


def outcome_of(
    action: Action,
    asked: Sequence[int],
    decided: Sequence[Decided],
    *,
    replied: bool = False,
    reply_url: str | None = None,
    edited: int = 0,
) -> Outcome:
    lines = []
    for outcome in decided:
        last = outcome.last
        # Who decided it, when it was a decision (not its arrival) and not this one.
        by = last.actor if last and last.from_status is not None and not outcome.changed else None
        lines.append(Line(outcome.comment.id, outcome.comment.name, outcome.changed, outcome.comment.status.value, by))
    missing = len(set(asked)) - len(lines)
    return Outcome(action, lines, missing=missing, replied=replied, reply_url=reply_url, edited=edited)
