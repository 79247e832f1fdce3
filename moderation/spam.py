"""Spam checks: small, run in order, each returning a hold (what it found, see holds.py) or
nothing. Knows nothing of HTTP.

What a hold does is its kind's severity: spam (kept as spam, never emailed, answered like any
other submission) or a closer look (the comment waits for approval as every comment does, and
the moderator mail says why). The strongest severity found decides, so a kind that must never
be binned is one whose severity ranks above SPAM: a reader's safety (safety/screening.py), whose
holds are found beside the checks and keep the comment for a moderator whatever they say.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum

from .classifier.model import Assessment
from .errors import InvalidToken
from .holds import Hold, HoldKind
from .rules import DeniedDomains, Words
from .safety.screening import safety_holds
from .tokens import FormStamp
from .validation import Submission

LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


LONG_TEXT = 2000  # characters of a body past which the safety detectors run off the event loop


class Severity(IntEnum):
    HOLD = 1  # waits for a closer look
    SPAM = 2  # kept as spam
    KEEP = 3  # waits for a moderator, whatever else found it spam: a crisis, personal details


SEVERITY = {
    HoldKind.HONEYPOT: Severity.SPAM,
    HoldKind.FORM_STAMP: Severity.SPAM,
    HoldKind.TOO_FAST: Severity.SPAM,
    HoldKind.FORM_AGE: Severity.HOLD,
    HoldKind.DUPLICATE: Severity.SPAM,
    HoldKind.LINKS: Severity.HOLD,
    HoldKind.SPAM_WORDS: Severity.SPAM,
    HoldKind.HOLD_WORDS: Severity.HOLD,
    HoldKind.LINK_DOMAIN: Severity.SPAM,
    HoldKind.CLASSIFIER: Severity.SPAM,
    HoldKind.PERSONAL_DETAILS: Severity.KEEP,
    HoldKind.CRISIS: Severity.KEEP,
    # A reader without JavaScript cannot solve the challenge: a moderator looks, nothing is binned for it.
    HoldKind.NO_CHALLENGE: Severity.HOLD,
}


@dataclass(frozen=True)
class Verdict:
    spam: bool = False
    holds: tuple[Hold, ...] = field(default=())  # every check's finding, in the order they ran
    assessment: Assessment | None = None  # the spam classifier's, when it was asked

    def with_hold(self, hold: Hold) -> Verdict:
        """This verdict with one more finding, weighed with the others."""
        holds = (*self.holds, hold)
        return replace(self, spam=is_spam(holds), holds=holds)


def strongest(holds: Iterable[Hold]) -> Severity | None:
    """What the findings do together: the most severe one's severity (None: nothing found)."""
    return max((SEVERITY[hold.kind] for hold in holds), default=None)


def is_spam(holds: Iterable[Hold]) -> bool:
    """Whether what was found keeps a comment as spam."""
    return strongest(holds) is Severity.SPAM


@dataclass(frozen=True)
class Screening:
    """A submission together with what the form carried besides the comment."""

    submission: Submission
    honeypot: str = ""
    stamp: str | None = None  # absent for API clients that never saw a form
    language: str = ""  # the page's ("en", "de"...): the personal details looked for are its own


Check = Callable[[Screening], Awaitable[Hold | None]]
Assess = Callable[[Submission], Awaitable[Assessment]]


class SpamGuard:
    def __init__(
        self,
        stamps: FormStamp,
        *,
        spam_words: Sequence[str] = (),
        hold_words: Sequence[str] = (),
        deny_link_domains: Sequence[str] = (),
        max_links: int = 3,
        min_seconds: float = 3.0,
        max_form_age: float = 3 * 86400,
        assess: Assess | None = None,
        spam_above: float | None = None,
    ):
        self._stamps = stamps
        self._spam_words = Words(spam_words)
        self._hold_words = Words(hold_words)
        self._denied = DeniedDomains(deny_link_domains)  # as setting_parsers.domains writes them
        self._max_links = max_links
        self._min_seconds = min_seconds
        self._max_form_age = max_form_age
        self._assess = assess  # the spam classifier's score of a submission
        self._spam_above = spam_above  # MODERATION_SPAM_AUTO
        self.checks: tuple[Check, ...] = (
            self.honeypot,
            self.form_timing,
            self.links,
            self.spam_words,
            self.hold_words,
            self.link_domains,
        )

    async def screen(self, screening: Screening) -> Verdict:
        # Scored whatever the checks find: a moderator looking into the spam sees it too.
        assessment = await self._assess(screening.submission) if self._assess else None
        holds = [hold for check in self.checks if (hold := await check(screening))]
        if assessment is not None and self._binned(assessment):
            holds.append(Hold(HoldKind.CLASSIFIER, f"{assessment.score:.4f}"))
        submission = screening.submission
        safety = (submission.name, submission.body, screening.language)
        # The detectors cost about 5 µs a character: a long comment is read on a worker thread,
        # which lets the event loop answer other requests meanwhile instead of stalling for it.
        if len(submission.body) > LONG_TEXT:
            holds += await asyncio.to_thread(safety_holds, *safety)
        else:
            holds += safety_holds(*safety)
        return Verdict(spam=is_spam(holds), holds=tuple(holds), assessment=assessment)

    def _binned(self, assessment: Assessment) -> bool:
        """Whether the classifier sends it to spam by itself: a model that learned enough, above the threshold."""
        return not assessment.cold and self._spam_above is not None and assessment.score > self._spam_above

    async def honeypot(self, screening: Screening) -> Hold | None:
        return Hold(HoldKind.HONEYPOT) if screening.honeypot.strip() else None

    async def form_timing(self, screening: Screening) -> Hold | None:
        if screening.stamp is None:
            return None
        try:
            age = self._stamps.age(screening.stamp)
        except InvalidToken:
            return Hold(HoldKind.FORM_STAMP)
        if age < self._min_seconds:
            return Hold(HoldKind.TOO_FAST, f"{max(age, 0):.0f}")
        if age > self._max_form_age:
            return Hold(HoldKind.FORM_AGE, f"{age / 86400:.0f}")
        return None

    async def links(self, screening: Screening) -> Hold | None:
        count = len(LINK.findall(screening.submission.body))
        return Hold(HoldKind.LINKS, str(count)) if count > self._max_links else None

    async def spam_words(self, screening: Screening) -> Hold | None:
        submission = screening.submission
        word = self._spam_words.find(submission.name, submission.website, submission.body)
        return Hold(HoldKind.SPAM_WORDS, word) if word else None

    async def hold_words(self, screening: Screening) -> Hold | None:
        submission = screening.submission
        word = self._hold_words.find(submission.name, submission.website, submission.body)
        return Hold(HoldKind.HOLD_WORDS, word) if word else None

    async def link_domains(self, screening: Screening) -> Hold | None:
        domain = self._denied.find(screening.submission.website, screening.submission.body)
        return Hold(HoldKind.LINK_DOMAIN, domain) if domain else None
