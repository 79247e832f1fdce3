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

from .models import SYSTEM, Action, Decided

DONE = {
    Action.APPROVE: "approved",
    Action.REJECT: "rejected",
    Action.SPAM: "marked as spam",
    Action.RESTORE: "restored",
}
STATES = {"pending": "pending", "approved": "approved", "rejected": "rejected", "spam": "marked as spam"}
WHO = {SYSTEM: "the spam checks", "cli": "the command line"}


@dataclass(frozen=True)
class Line:
    comment: int
    name: str  # the commenter's public name
    changed: bool
    status: str  # its state now
    by: str | None = None  # who put it in that state, if not this decision

    def says(self, action: Action, me: str) -> str:
        if self.changed:
            return DONE[action]
        return f"already {STATES[self.status]}" + (f" by {who(self.by, me)}" if self.by else "")


def who(actor: str, me: str) -> str:
    return "you" if actor == me else WHO.get(actor, actor)


@dataclass(frozen=True)
class Outcome:
    action: Action
    lines: list[Line]
    missing: int = 0  # comments that no longer exist
    replied: bool = False  # whether a reply was asked for
    reply_url: str | None = None  # where the site's reply is, when it was published
    id: str = field(default_factory=lambda: secrets.token_hex(4))  # the redirect names the outcome it shows

    def headline(self, me: str) -> str:
        counts = Counter(line.says(self.action, me) for line in self.lines)
        parts = [f"{count} {what}" for what, count in counts.items()]
        if self.missing:
            parts.append(f"{self.missing} no longer there")
        text = ", ".join(parts) or "No comment was selected; nothing was changed"
        if self.replied:
            text += "; your reply is published" if self.reply_url else "; your reply was not published"
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
) -> Outcome:
    lines = []
    for outcome in decided:
        last = outcome.last
        # Who decided it, when it was a decision (not its arrival) and not this one.
        by = last.actor if last and last.from_status is not None and not outcome.changed else None
        lines.append(Line(outcome.comment.id, outcome.comment.name, outcome.changed, outcome.comment.status.value, by))
    return Outcome(action, lines, missing=len(set(asked)) - len(lines), replied=replied, reply_url=reply_url)
