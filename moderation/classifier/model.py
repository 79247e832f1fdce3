"""A naive Bayes over the features of comments that moderators decided: per feature, how many
spam and how many good comments had it. Counts add and subtract, so a decision is learned at
once, a correction undoes exactly what the first decision taught, and every instance sharing the
database shares the model. Pure: the counts come in, an Assessment goes out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .features import TOTALS, Feature

LIKELY_SPAM_FROM = 0.9  # a score at or above this is likely spam
LIKELY_OK_BELOW = 0.1  # a score below this is likely good
MIN_DECISIONS = 20  # of each kind: fewer, and the model answers "unsure"
SMOOTHING = 1.0  # added to each count: a feature seen once is a hint, not a proof
REASONS = 3


class Verdict(StrEnum):
    LIKELY_SPAM = "likely_spam"
    UNSURE = "unsure"
    LIKELY_OK = "likely_ok"


class Label(StrEnum):
    """What a decision taught the model about a comment."""

    SPAM = "spam"
    HAM = "ham"  # a good comment


@dataclass(frozen=True, slots=True)
class Tally:
    """How many decided comments of each kind had a feature (for TOTALS: how many there were)."""

    spam: int = 0
    ham: int = 0


@dataclass(frozen=True)
class Assessment:
    score: float  # 0 to 1: how likely spam
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    cold: bool = False  # too few decisions yet to say anything


COLD = Assessment(0.5, Verdict.UNSURE, cold=True)


def verdict_of(score: float) -> Verdict:
    if score >= LIKELY_SPAM_FROM:
        return Verdict.LIKELY_SPAM
    if score < LIKELY_OK_BELOW:
        return Verdict.LIKELY_OK
    return Verdict.UNSURE


def assess(features: Sequence[Feature], tallies: Mapping[int, Tally]) -> Assessment:
    """The score of a comment with `features`, given the tallies of those (and of TOTALS)."""
    totals = tallies.get(TOTALS, Tally())
    if totals.spam < MIN_DECISIONS or totals.ham < MIN_DECISIONS:
        return COLD
    spam_docs, ham_docs = totals.spam + 2 * SMOOTHING, totals.ham + 2 * SMOOTHING
    weighed: list[tuple[float, Feature]] = []
    for feature in features:
        tally = tallies.get(feature.key)
        if tally is None or not (tally.spam or tally.ham):
            continue  # never seen in a decided comment: it says nothing either way
        weight = math.log((tally.spam + SMOOTHING) / spam_docs) - math.log((tally.ham + SMOOTHING) / ham_docs)
        weighed.append((weight, feature))
    # Naive Bayes adds the evidence of features as if each were independent, and a word, its
    # letters and its pairs say much the same thing: its scores are near 0 or 1, good for
    # sorting and for a verdict, not a probability to read to the second decimal. Damping the
    # sum made it miss more spam on the benchmark's corpus, and caught nothing more.
    score = _sigmoid(math.log(spam_docs / ham_docs) + sum(weight for weight, _ in weighed))
    return Assessment(round(score, 4), verdict_of(score), _reasons(weighed, toward_spam=score >= 0.5))


def _sigmoid(value: float) -> float:
    if value < -60:
        return 0.0
    return 1.0 / (1.0 + math.exp(-min(value, 60.0)))


def _reasons(weighed: list[tuple[float, Feature]], *, toward_spam: bool) -> tuple[str, ...]:
    """The labels of the few readable features that pushed hardest toward the verdict."""
    sign = 1.0 if toward_spam else -1.0
    strongest = sorted(
        ((sign * weight, feature) for weight, feature in weighed if feature.shown and sign * weight > 0),
        key=lambda pair: pair[0],
        reverse=True,
    )
    return tuple(dict.fromkeys(feature.label for _, feature in strongest))[:REASONS]


def changes(keys: Iterable[int], taught: Label | None, label: Label | None) -> dict[int, Tally]:
    """What moves the counts from what a comment taught before to `label` (None: nothing, as if
    never taught)."""
    if taught is label:
        return {}
    spam = (label is Label.SPAM) - (taught is Label.SPAM)
    ham = (label is Label.HAM) - (taught is Label.HAM)
    return {key: Tally(spam, ham) for key in (TOTALS, *keys)}


class Model:
    """The counts in memory: for `moderation spam report`, the benchmark, and rebuilding."""

    def __init__(self) -> None:
        self.tallies: dict[int, Tally] = {}

    def learn(self, features: Sequence[Feature], label: Label, taught: Label | None = None) -> None:
        for key, change in changes((feature.key for feature in features), taught, label).items():
            old = self.tallies.get(key, Tally())
            self.tallies[key] = Tally(old.spam + change.spam, old.ham + change.ham)

    def assess(self, features: Sequence[Feature]) -> Assessment:
        return assess(features, self.tallies)
