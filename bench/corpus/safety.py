"""The example sets of the safety detectors (bench/corpus/crisis/, bench/corpus/clinic_voice/): each a
tuning part and a held-out part, one example a line as `LANGUAGE LABELS [PARENT] | TEXT`, where
LABELS is "-" for an ordinary example or the comma-separated kinds it should be found to have."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("tune", "held_out")


@dataclass(frozen=True)
class Example:
    language: str
    labels: tuple[str, ...]  # empty: an ordinary example, nothing should be found
    parent: str  # the name of the commenter a reply answers ("" where none)
    text: str


def examples(detector: str, part: str) -> list[Example]:
    """One part ("tune" or "held_out") of one detector's set ("crisis" or "clinic_voice")."""
    found = []
    for line in (HERE / detector / f"{part}.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, text = line.partition(" | ")
        language, labels, *parent = head.split()
        found.append(
            Example(language, () if labels == "-" else tuple(labels.split(",")), "".join(parent).strip("-"), text)
        )
    return found


@dataclass(frozen=True)
class Figures:
    """How a detector did on some examples: positives found, ordinary ones flagged, right kinds."""

    positives: int
    found: int
    right_kind: int  # positives found with at least one of their kinds
    ordinary: int
    flagged: int

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 1.0

    @property
    def false_alarms(self) -> float:
        return self.flagged / self.ordinary if self.ordinary else 0.0

    def line(self, title: str) -> str:
        return (
            f"{title}: recall {self.recall:.3f} ({self.found}/{self.positives}, right kind {self.right_kind}),"
            f" false alarms {self.false_alarms:.2%} ({self.flagged}/{self.ordinary})"
        )


def figures(found: Sequence[tuple[Example, Collection[str]]]) -> Figures:
    """The figures of (example, kinds the detector found in it) pairs."""
    positives = [(example, kinds) for example, kinds in found if example.labels]
    ordinary = [kinds for example, kinds in found if not example.labels]
    return Figures(
        positives=len(positives),
        found=sum(bool(kinds) for _, kinds in positives),
        right_kind=sum(bool(set(example.labels) & set(kinds)) for example, kinds in positives),
        ordinary=len(ordinary),
        flagged=sum(bool(kinds) for kinds in ordinary),
    )


def lines(title: str, found: Sequence[tuple[Example, Collection[str]]]) -> list[str]:
    """The figures of all the pairs, then of each language's, as printed lines."""
    languages = sorted({example.language for example, _ in found})
    return [
        figures(found).line(title),
        *("  " + figures([item for item in found if item[0].language == code]).line(code) for code in languages),
    ]
