"""Comments on a clinic's blog, with the personal details each holds, for the personal details
detector: tune/ is what it was tuned on, held_out/ was written before it and is only measured.

Each file is one language's comments, one a line: the kinds expected (comma-separated, "-" for
an ordinary comment that holds none), a space, the comment. Lines starting with "#" say what the
file is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from moderation.safety.personal_details import Kind

HERE = Path(__file__).resolve().parent
PARTS = ("tune", "held_out")


@dataclass(frozen=True)
class Example:
    language: str
    kinds: frozenset[Kind]
    text: str
    where: str  # file:line, to find it again


def examples(part: str) -> list[Example]:
    """One part's comments, every language, in the order of their files."""
    found = []
    for path in sorted((HERE / part).glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            expected, text = line.split(" ", 1)
            kinds = frozenset() if expected == "-" else frozenset(Kind(kind) for kind in expected.split(","))
            found.append(Example(path.stem, kinds, text, f"{part}/{path.name}:{number}"))
    return found
