"""Benchmark: the spam classifier on a year of a clinic blog's comments (bench/corpus/clinic.py),
taught the older 70 % in the order they came, tested on the newer 30 %.

    .venv/bin/python bench/classifier.py [--size 800]

Prints accuracy, spam recall, the share of good comments scored likely spam, what each comment
costs (features and score; features and learning), and the model's size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus.clinic import corpus  # noqa: E402
from moderation.classifier.features import features  # noqa: E402
from moderation.classifier.model import Label, Model, Verdict  # noqa: E402

TRAIN_SHARE = 0.7
ROW_BYTES = 8 + 2 * 4  # a key and two counts, before the database's own overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=800)
    items = corpus(parser.parse_args().size)
    cut = int(len(items) * TRAIN_SHARE)
    train, test = items[:cut], items[cut:]
    model = Model()
    started = time.perf_counter()
    for item in train:
        model.learn(features(item.name, item.website, item.body), Label.SPAM if item.spam else Label.HAM)
    learn_us = (time.perf_counter() - started) / len(train) * 1e6
    started = time.perf_counter()
    assessed = [(item, model.assess(features(item.name, item.website, item.body))) for item in test]
    score_us = (time.perf_counter() - started) / len(test) * 1e6
    spam = [a for item, a in assessed if item.spam]
    good = [a for item, a in assessed if not item.spam]
    right = sum((a.score >= 0.5) == item.spam for item, a in assessed)
    spam_count = sum(item.spam for item in items)
    print(f"corpus: {len(items)} comments ({spam_count} spam); trained on {len(train)}, tested on {len(test)}")
    print(f"accuracy (score >= 0.5 is spam): {right / len(test):.3f}")
    print(f"spam recall (score >= 0.5):      {sum(a.score >= 0.5 for a in spam) / len(spam):.3f}")
    print(f"spam scored likely_spam:         {sum(a.verdict is Verdict.LIKELY_SPAM for a in spam) / len(spam):.3f}")
    print(f"good scored likely_spam:         {sum(a.verdict is Verdict.LIKELY_SPAM for a in good) / len(good):.4f}")
    print(f"good scored likely_ok:           {sum(a.verdict is Verdict.LIKELY_OK for a in good) / len(good):.3f}")
    print(f"unsure (either):                 {sum(a.verdict is Verdict.UNSURE for _, a in assessed) / len(test):.3f}")
    print(f"cost per comment: score {score_us:.0f} µs, learn {learn_us:.0f} µs (features included, in memory)")
    rows = len(model.tallies)
    print(f"model: {rows} features, about {rows * ROW_BYTES / 1024:.0f} KiB of counts")
    missed = [(item, a) for item, a in assessed if item.spam and a.score < 0.5]
    wrong = [(item, a) for item, a in assessed if not item.spam and a.verdict is Verdict.LIKELY_SPAM]
    for item, a in (missed + wrong)[:10]:
        what = "missed spam" if item.spam else "good as spam"
        print(f"  {what} {a.score:.2f} {item.kind}: {item.body[:90]!r} {a.reasons}")


if __name__ == "__main__":
    main()
