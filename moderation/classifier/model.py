"""A naive Bayes over the features of comments that moderators decided: per feature, how many
spam and how many good comments had it. Counts add and subtract, so a decision is learned at
once, a correction undoes exactly what the first decision taught, and every instance sharing the
database shares the model. Pure: the counts come in, an Assessment goes out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple

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


class Tally(NamedTuple):  # a tuple: a score reads a hundred of them, made in microseconds
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
    # log((spam + s) / spam_docs) - log((ham + s) / ham_docs), with one logarithm per feature.
    odds = math.log(ham_docs / spam_docs)
    weighed = [
        (math.log((tally.spam + SMOOTHING) / (tally.ham + SMOOTHING)) + odds, feature)
        for feature in features
        # A feature never seen in a decided comment says nothing either way.
        if (tally := tallies.get(feature.key)) is not None and (tally.spam or tally.ham)
    ]
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
        ((sign * weight, feature) for weight, feature in weighed if sign * weight > 0),
        key=itemgetter(0),
        reverse=True,
    )
    labels: dict[str, None] = {}
    for _, feature in strongest:
        labels[feature.label] = None
        if len(labels) == REASONS:
            break
    return tuple(labels)


def change(taught: Label | None, label: Label | None) -> Tally | None:
    """What moving a comment from what it taught before to `label` (None: nothing, as if never
    taught) adds to the count of each of its features; None: nothing changes."""
    if taught is label:
        return None
    return Tally((label is Label.SPAM) - (taught is Label.SPAM), (label is Label.HAM) - (taught is Label.HAM))


def changes(keys: Iterable[int], taught: Label | None, label: Label | None) -> dict[int, Tally]:
    """`change` for each of a comment's keys, and for TOTALS."""
    moved = change(taught, label)
    return {} if moved is None else dict.fromkeys((TOTALS, *keys), moved)


class Model:
    """The counts in memory: for `moderation spam report`, the benchmark, and rebuilding."""

    def __init__(self) -> None:
        self.tallies: dict[int, Tally] = {}

    def learn(self, features: Sequence[Feature], label: Label, taught: Label | None = None) -> None:
        moved = change(taught, label)
        if moved is None:
            return
        tallies, nothing = self.tallies, Tally()
        for key in (TOTALS, *(feature.key for feature in features)):
            spam, ham = tallies.get(key, nothing)
            tallies[key] = Tally(spam + moved.spam, ham + moved.ham)

    def assess(self, features: Sequence[Feature]) -> Assessment:
        return assess(features, self.tallies)
