"""The example sets of the safety detectors (bench/corpus/crisis/, bench/corpus/clinic_voice/): each a
tuning part and a held-out part, one example a line as `LANGUAGE LABELS [PARENT] | TEXT`, where
LABELS is "-" for an ordinary example or the comma-separated kinds it should be found to have."""

from __future__ import annotations

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
