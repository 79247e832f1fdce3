"""How well the classifier would have done on this site's own decisions: taught the older 70 %
in the order they were made, tested on the newer 30 % (what it is asked to do: judge what comes
next). What `moderation spam report` prints and the benchmark measures. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .features import Feature
from .model import Assessment, Label, Model, Verdict

TRAIN_SHARE = 0.7
SPAM_FROM = 0.5  # for precision and recall, a score at or above this counts as spam


@dataclass(frozen=True)
class Evaluation:
    trained: Counter[Label]
    # (what moderators decided, what the classifier said) -> how many tested comments
    matrix: Counter[tuple[Label, Verdict]]
    # (what moderators decided, scored at or above SPAM_FROM) -> how many
    split: Counter[tuple[Label, bool]]
    # How many of each kind scored above the MODERATION_SPAM_AUTO threshold; None: it is off.
    above: Counter[Label] | None

    def tested(self, label: Label) -> int:
        return self.split[label, True] + self.split[label, False]

    def recall(self, label: Label) -> float | None:
        return _share(self.split[label, label is Label.SPAM], self.tested(label))

    def precision(self, label: Label) -> float | None:
        other = Label.HAM if label is Label.SPAM else Label.SPAM
        said = label is Label.SPAM
        return _share(self.split[label, said], self.split[label, said] + self.split[other, said])

    def lines(self, threshold: float | None) -> list[str]:
        tested = self.tested(Label.SPAM) + self.tested(Label.HAM)
        out = [
            f"taught on the older {TRAIN_SHARE:.0%} of the decisions: {sum(self.trained.values())}"
            f" ({self.trained[Label.SPAM]} spam, {self.trained[Label.HAM]} good);"
            f" tested on the newer {1 - TRAIN_SHARE:.0%}: {tested}",
            f"{'':16}{'likely_spam':>12}{'unsure':>8}{'likely_ok':>11}",
        ]
        for label, name in ((Label.SPAM, "spam"), (Label.HAM, "good")):
            row = [self.matrix[label, verdict] for verdict in Verdict]
            out.append(f"{f'{name} ({self.tested(label)})':16}{row[0]:>12}{row[1]:>8}{row[2]:>11}")
        out.append(f"spam recall {_text(self.recall(Label.SPAM))}, spam precision {_text(self.precision(Label.SPAM))}")
        out.append(f"good recall {_text(self.recall(Label.HAM))}, good precision {_text(self.precision(Label.HAM))}")
        out.append(f"(for recall and precision, a score of {SPAM_FROM} or more counts as spam; a cold model's none)")
        if self.above is None or threshold is None:
            out.append("MODERATION_SPAM_AUTO is off: the classifier sends nothing to spam by itself")
        else:
            good = _text(_share(self.above[Label.HAM], self.tested(Label.HAM)), percent=True)
            spam = _text(_share(self.above[Label.SPAM], self.tested(Label.SPAM)), percent=True)
            out.append(
                f"at MODERATION_SPAM_AUTO={threshold}: {good} of the good comments ({self.above[Label.HAM]})"
                f" would have gone to spam, and {spam} of the spam"
            )
        return out


def said_spam(assessment: Assessment) -> bool:
    """Whether it counts as spam for recall and precision: a cold model says nothing."""
    return not assessment.cold and assessment.score >= SPAM_FROM


def evaluate(examples: Sequence[tuple[Sequence[Feature], Label]], threshold: float | None) -> Evaluation:
    """`examples` oldest first: the older TRAIN_SHARE teach, the rest are scored."""
    cut = int(len(examples) * TRAIN_SHARE)
    model = Model()
    for found, label in examples[:cut]:
        model.learn(found, label)
    matrix: Counter[tuple[Label, Verdict]] = Counter()
    split: Counter[tuple[Label, bool]] = Counter()
    above: Counter[Label] = Counter()
    for found, label in examples[cut:]:
        assessment = model.assess(found)
        matrix[label, assessment.verdict] += 1
        split[label, said_spam(assessment)] += 1
        if threshold is not None and not assessment.cold and assessment.score > threshold:
            above[label] += 1
    trained = Counter(label for _, label in examples[:cut])
    return Evaluation(trained, matrix, split, None if threshold is None else above)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _text(share: float | None, *, percent: bool = False) -> str:
    if share is None:
        return "-"
    return f"{share:.1%}" if percent else f"{share:.3f}"
