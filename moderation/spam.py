"""Spam checks: small, run in order, each returning a finding or nothing. Knows nothing of HTTP.

A finding is either spam (kept as spam, never emailed, answered like any other submission) or
a hold: the comment waits for approval as every comment does, and the moderator email says
why it deserves a closer look.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .classifier.model import Assessment
from .errors import InvalidToken
from .tokens import FormStamp
from .validation import Submission

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


class Severity(StrEnum):
    HOLD = "hold"
    SPAM = "spam"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    reason: str


@dataclass(frozen=True)
class Verdict:
    spam: bool = False
    reasons: tuple[str, ...] = field(default=())
    assessment: Assessment | None = None  # the spam classifier's, when it was asked


CLASSIFIER = "classifier"  # the reason of a comment the classifier sent to spam (MODERATION_SPAM_AUTO)


@dataclass(frozen=True)
class Screening:
    """A submission together with what the form carried besides the comment."""

    submission: Submission
    honeypot: str = ""
    stamp: str | None = None  # absent for API clients that never saw a form


Check = Callable[[Screening], Awaitable[Finding | None]]
Assess = Callable[[Submission], Awaitable[Assessment]]


def _words_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(word)}(?!\w)" for word in words), re.IGNORECASE)


class SpamGuard:
    def __init__(
        self,
        posted_before: Callable[[str, str], Awaitable[bool]],
        stamps: FormStamp,
        *,
        blocklist: Sequence[str] = (),
        hold_words: Sequence[str] = (),
        max_links: int = 3,
        min_seconds: float = 3.0,
        max_form_age: float = 3 * 86400,
        assess: Assess | None = None,
        spam_above: float | None = None,
    ):
        self._posted_before = posted_before  # (thread, body): was this text already posted there?
        self._stamps = stamps
        self._blocklist = _words_pattern(blocklist)
        self._hold_words = _words_pattern(hold_words)
        self._max_links = max_links
        self._min_seconds = min_seconds
        self._max_form_age = max_form_age
        self._assess = assess  # the spam classifier's score of a submission
        self._spam_above = spam_above  # MODERATION_SPAM_AUTO
        self.checks: tuple[Check, ...] = (
            self.honeypot,
            self.form_timing,
            self.duplicate,
            self.links,
            self.blocklisted,
            self.hold_words,
        )

    async def screen(self, screening: Screening) -> Verdict:
        # Scored whatever the checks find: a moderator looking into the spam sees it too.
        assessment = await self._assess(screening.submission) if self._assess else None
        holds: list[str] = []
        for check in self.checks:
            finding = await check(screening)
            if finding is None:
                continue
            if finding.severity is Severity.SPAM:
                return Verdict(spam=True, reasons=(finding.reason,), assessment=assessment)
            holds.append(finding.reason)
        if self._binned(assessment):
            return Verdict(spam=True, reasons=(CLASSIFIER,), assessment=assessment)
        return Verdict(reasons=tuple(holds), assessment=assessment)

    def _binned(self, assessment: Assessment | None) -> bool:
        """Whether the classifier sends it to spam by itself: a model that learned enough, above the threshold."""
        if assessment is None or assessment.cold or self._spam_above is None:
            return False
        return assessment.score > self._spam_above

    async def honeypot(self, screening: Screening) -> Finding | None:
        if screening.honeypot.strip():
            return Finding(Severity.SPAM, "filled in the hidden field that people never see")
        return None

    async def form_timing(self, screening: Screening) -> Finding | None:
        if screening.stamp is None:
            return None
        try:
            age = self._stamps.age(screening.stamp)
        except InvalidToken:
            return Finding(Severity.SPAM, "sent a form stamp that was not issued here")
        if age < self._min_seconds:
            return Finding(Severity.SPAM, f"posted {max(age, 0):.0f} s after the form was shown")
        if age > self._max_form_age:
            return Finding(Severity.HOLD, f"the form was open for {age / 86400:.0f} days")
        return None

    async def duplicate(self, screening: Screening) -> Finding | None:
        submission = screening.submission
        if await self._posted_before(submission.thread, submission.body):
            return Finding(Severity.SPAM, "the same text was already posted on this page")
        return None

    async def links(self, screening: Screening) -> Finding | None:
        count = len(LINK.findall(screening.submission.body))
        if count > self._max_links:
            return Finding(Severity.HOLD, f"{count} links")
        return None

    def _matches(self, pattern: re.Pattern[str] | None, submission: Submission) -> str | None:
        if pattern is None:
            return None
        text = "\n".join((submission.name, submission.email, submission.website, submission.body))
        found = pattern.search(text)
        return found.group(0) if found else None

    async def blocklisted(self, screening: Screening) -> Finding | None:
        word = self._matches(self._blocklist, screening.submission)
        return Finding(Severity.SPAM, f"contains the blocked word {word!r}") if word else None

    async def hold_words(self, screening: Screening) -> Finding | None:
        word = self._matches(self._hold_words, screening.submission)
        return Finding(Severity.HOLD, f"contains {word!r}") if word else None
