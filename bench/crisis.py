"""Benchmark: the two safety detectors of what is written on a clinic's blog, a reader in crisis
(moderation/safety/crisis.py) and the clinic's own voice in its replies
(moderation/safety/clinic_voice.py), on the example sets of bench/corpus/crisis/ and
bench/corpus/clinic_voice/.

    .venv/bin/python bench/crisis.py [--rounds 20]

Prints, per detector, part (the tuning part, and the held-out part written up front and never
tuned on) and language: recall (positives found, and found with one of their kinds) and false
alarms (ordinary examples flagged); the crisis detector's false alarms on the good comments of
bench/corpus/clinic.py too, which it was not tuned on; and what a comment costs (µs, median and
95th percentile, each example timed `--rounds` times).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus.clinic import corpus  # noqa: E402
from bench.corpus.safety import PARTS, Example, examples, lines  # noqa: E402
from moderation.safety.clinic_voice import care_warnings  # noqa: E402
from moderation.safety.crisis import crisis_signs  # noqa: E402


def crisis_kinds(example: Example) -> Collection[str]:
    return crisis_signs(example.text)


def voice_kinds(example: Example) -> Collection[str]:
    return {warning.kind for warning in care_warnings(example.text, example.language, example.parent)}


DETECTORS: dict[str, Callable[[Example], Collection[str]]] = {"crisis": crisis_kinds, "clinic_voice": voice_kinds}


def report(detector: str, kinds: Callable[[Example], Collection[str]]) -> list[Example]:
    everything = []
    for part in PARTS:
        found = [(example, kinds(example)) for example in examples(detector, part)]
        everything += [example for example, _ in found]
        print("\n".join(lines(f"{detector} {part}", found)))
        for example, missed in found:
            if bool(example.labels) != bool(missed):
                what = "missed" if example.labels else "false alarm"
                print(f"    {what} ({example.language}, {','.join(example.labels) or '-'}): {example.text}")
    return everything


def cost(detector: str, kinds: Callable[[Example], Collection[str]], items: Sequence[Example], rounds: int) -> None:
    times = []
    for _ in range(rounds):
        for example in items:
            started = time.perf_counter_ns()
            kinds(example)
            times.append((time.perf_counter_ns() - started) / 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"{detector}: {statistics.median(times):.0f} µs per comment (median), {p95:.0f} µs (p95), {len(items)} examples"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    sets = {detector: report(detector, kinds) for detector, kinds in DETECTORS.items()}
    blog = [Example("en", (), "", item.body) for item in corpus() if not item.spam]
    flagged = [example.text for example in blog if crisis_signs(example.text)]
    print(f"crisis on bench/corpus/clinic.py's {len(blog)} good comments: false alarms {len(flagged) / len(blog):.2%}")
    for text in flagged:
        print(f"    false alarm: {text}")
    for detector, kinds in DETECTORS.items():
        cost(detector, kinds, sets[detector], rounds)


if __name__ == "__main__":
    main()
