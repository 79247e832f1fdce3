"""Benchmark: the personal details detector on a clinic blog's comments
(bench/corpus/personal_details: tune/, what it was tuned on, and held_out/, written before it).

    .venv/bin/python bench/personal_details.py [--misses]

Prints, for each part, each kind's recall and false alarms per language, the share of ordinary
comments flagged, what a comment costs (µs, median and p95), and what importing the detector and
loading its phone regions costs in resident memory. --misses lists the tuning part's misses and
false alarms (never the held-out part's: it stays unseen).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus.personal_details import PARTS, Example, examples  # noqa: E402
from moderation.safety.personal_details import Kind, find_personal_details, kinds  # noqa: E402

LANGUAGES = ("en", "de", "es")
ROUNDS = 5  # each comment is timed this many times, the corpus once per round


@dataclass(frozen=True)
class Scores:
    """Counts over one set of examples: per (kind, language), and for the ordinary comments."""

    expected: Counter[tuple[Kind, str]]  # comments holding the kind
    found: Counter[tuple[Kind, str]]  # of those, the ones where it was found
    others: Counter[tuple[Kind, str]]  # comments not holding the kind
    alarms: Counter[tuple[Kind, str]]  # of those, the ones where it was found all the same
    ordinary: Counter[str]  # comments holding nothing
    flagged: Counter[str]  # of those, the ones where anything was found
    misses: tuple[tuple[Example, frozenset[Kind]], ...]  # what was wrong: the example, what was found

    def recall(self, kind: Kind, language: str | None = None) -> float:
        return _share(self.found, self.expected, kind, language)

    def false_alarms(self, kind: Kind, language: str | None = None) -> float:
        return _share(self.alarms, self.others, kind, language)

    def ordinary_flagged(self, language: str | None = None) -> float:
        total = self.ordinary[language] if language else sum(self.ordinary.values())
        flagged = self.flagged[language] if language else sum(self.flagged.values())
        return flagged / total

    def lines(self) -> list[str]:
        head = f"{'':16}" + "".join(f"{language:>16}" for language in (*LANGUAGES, "all"))
        rows = [head + "   (recall / false alarms among the comments without the kind)"]
        for kind in Kind:
            cells = [
                f"{self.recall(kind, language):.2f} / {self.false_alarms(kind, language):.3f}"
                for language in (*LANGUAGES, None)
            ]
            counts = f"   of {sum(self.expected[kind, language] for language in LANGUAGES)}"
            rows.append(f"{kind:16}" + "".join(f"{cell:>16}" for cell in cells) + counts)
        cells = [f"{self.ordinary_flagged(language):.3f}" for language in (*LANGUAGES, None)]
        rows.append(
            f"{'ordinary flagged':16}"
            + "".join(f"{cell:>16}" for cell in cells)
            + f"   of {sum(self.ordinary.values())}"
        )
        return rows


def _share(
    part: Counter[tuple[Kind, str]], whole: Counter[tuple[Kind, str]], kind: Kind, language: str | None
) -> float:
    keys = [(kind, language)] if language else [(kind, each) for each in LANGUAGES]
    total = sum(whole[key] for key in keys)
    return sum(part[key] for key in keys) / total if total else float("nan")


def scores(items: Sequence[Example]) -> Scores:
    expected: Counter[tuple[Kind, str]] = Counter()
    found: Counter[tuple[Kind, str]] = Counter()
    others: Counter[tuple[Kind, str]] = Counter()
    alarms: Counter[tuple[Kind, str]] = Counter()
    ordinary: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    misses = []
    for item in items:
        said = frozenset(kinds(find_personal_details(item.text, item.language)))
        for kind in Kind:
            if kind in item.kinds:
                expected[kind, item.language] += 1
                found[kind, item.language] += kind in said
            else:
                others[kind, item.language] += 1
                alarms[kind, item.language] += kind in said
        if not item.kinds:
            ordinary[item.language] += 1
            flagged[item.language] += bool(said)
        if said != item.kinds:
            misses.append((item, said))
    return Scores(expected, found, others, alarms, ordinary, flagged, tuple(misses))


def cost(items: Sequence[Example]) -> tuple[float, float]:
    """Microseconds per comment: the median and the 95th percentile."""
    for item in items:  # the first call loads each region's metadata: not what a comment costs
        find_personal_details(item.text, item.language)
    times = []
    for _ in range(ROUNDS):
        for item in items:
            started = time.perf_counter()
            find_personal_details(item.text, item.language)
            times.append((time.perf_counter() - started) * 1e6)
    percentiles = statistics.quantiles(times, n=20)
    return statistics.median(times), percentiles[-1]


MEMORY = """
def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
{before}
steps = [rss()]
import phonenumbers
steps.append(rss())
import stdnum.iban, stdnum.luhn, stdnum.es.dni, stdnum.es.nie, stdnum.us.ssn
steps.append(rss())
from moderation.safety.personal_details import find_personal_details
steps.append(rss())
for language in ("en", "de", "es"):
    find_personal_details("Call 0151 2345 6789 or +44 20 7946 0018, IBAN DE89 3704 0044 0532 0130 00", language)
steps.append(rss())
print(*steps)
"""
STEPS = ("phonenumbers", "stdnum", "the detector's own patterns", "every language's phone regions read")


def memory(before: str) -> list[float]:
    """Resident memory in MB, in a fresh interpreter that imported `before` first: at the start,
    then after each of STEPS."""
    script = MEMORY.format(before=before)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return [float(step) for step in result.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list the tuning part's misses and false alarms")
    arguments = parser.parse_args()
    everything = []
    for part in PARTS:
        items = examples(part)
        everything += items
        result = scores(items)
        print(f"\n{part}: {len(items)} comments")
        print("\n".join(result.lines()))
        print(f"wrong: {len(result.misses)} comments")
        if arguments.misses and part == "tune":
            for item, said in result.misses:
                print(f"  {item.where}: expected {sorted(item.kinds)}, found {sorted(said)}: {item.text}")
    median, p95 = cost(everything)
    print(f"\ncost per comment: {median:.0f} µs median, {p95:.0f} µs p95 ({len(everything)} comments x {ROUNDS})")
    for label, before in (("alone", ""), ("in the service, after moderation.app", "import moderation.app")):
        steps = memory(before)
        added = ", ".join(
            f"{name} +{after - now:.1f}" for name, now, after in zip(STEPS, steps[:-1], steps[1:], strict=True)
        )
        print(f"resident memory, {label} (from {steps[0]:.1f} MB): {added}; in all +{steps[-1] - steps[0]:.1f} MB")


if __name__ == "__main__":
    main()
