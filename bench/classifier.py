"""Benchmark: the spam classifier on a year of a clinic blog's comments (bench/corpus/clinic.py),
taught the older 70 % in the order they came, tested on the newer 30 %.

    .venv/bin/python bench/classifier.py [--size 1600]

Prints what `moderation spam report` prints for the corpus, the share of good comments scored
likely spam, how fast it learns (taught only the first few), what a comment costs (in memory,
and through a SQLite store: the score a submission reads, a decision that teaches), and the
model's size.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus.clinic import Item, corpus  # noqa: E402
from moderation.app import service_links  # noqa: E402
from moderation.classifier.evaluation import TRAIN_SHARE, evaluate, said_spam  # noqa: E402
from moderation.classifier.features import features  # noqa: E402
from moderation.classifier.model import Label, Model, Verdict  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.models import Action, Channel, NewComment  # noqa: E402
from moderation.store import open_store  # noqa: E402

THRESHOLD = 0.98  # MODERATION_SPAM_AUTO as the README suggests it
CURVE = (40, 100, 200, 500)  # decisions taught, for the learning curve


def label(item: Item) -> Label:
    return Label.SPAM if item.spam else Label.HAM


def figures(items: Sequence[Item]) -> None:
    examples = [(features(item.name, item.website, item.body), label(item)) for item in items]
    evaluation = evaluate(examples, THRESHOLD)
    print("\n".join(evaluation.lines(THRESHOLD)))
    right = sum(evaluation.split[kind, kind is Label.SPAM] for kind in Label)
    good = evaluation.tested(Label.HAM)
    print(f"accuracy {right / (evaluation.tested(Label.SPAM) + good):.3f}")
    print(f"good comments scored likely_spam: {evaluation.matrix[Label.HAM, Verdict.LIKELY_SPAM] / good:.2%}")
    cut = int(len(items) * TRAIN_SHARE)
    for taught in CURVE:
        model = Model()
        for found, kind in examples[:taught]:
            model.learn(found, kind)
        scored = [(kind, model.assess(found)) for found, kind in examples[cut:]]
        spam = [a for kind, a in scored if kind is Label.SPAM]
        good_as_spam = sum(a.verdict is Verdict.LIKELY_SPAM for kind, a in scored if kind is Label.HAM)
        print(
            f"taught only the first {taught}: spam recall {sum(map(said_spam, spam)) / len(spam):.3f},"
            f" good scored likely_spam {good_as_spam / (len(scored) - len(spam)):.2%}"
        )


def in_memory(items: Sequence[Item]) -> None:
    cut = int(len(items) * TRAIN_SHARE)
    model = Model()
    started = time.perf_counter()
    for item in items[:cut]:
        model.learn(features(item.name, item.website, item.body), label(item))
    learn = (time.perf_counter() - started) / cut * 1e6
    started = time.perf_counter()
    for item in items[cut:]:
        model.assess(features(item.name, item.website, item.body))
    score = (time.perf_counter() - started) / (len(items) - cut) * 1e6
    print(f"in memory, features included: score {score:.0f} µs, learn {learn:.0f} µs per comment")


async def through_sqlite(items: Sequence[Item]) -> None:
    cut = int(len(items) * TRAIN_SHARE)
    logging.disable(logging.WARNING)  # the keys generated for the throw-away database
    with tempfile.TemporaryDirectory() as folder:
        config = Config(
            database_url=f"sqlite:///{folder}/bench.sqlite3", secret_key="bench secret, long enough to sign with"
        )
        store = await open_store(config, time.time, service_links(config))
        try:
            await store.migrate()
            decide, assess = [], []
            for item in items[:cut]:
                comment = NewComment("/bench/", "", item.name, "r@example.com", item.website, item.body, "", "")
                comment_id = (await store.comments.submit(comment)).id
                started = time.perf_counter()
                action = Action.SPAM if item.spam else Action.APPROVE
                await store.comments.decide([comment_id], action, actor="bench", channel=Channel.QUEUE)
                decide.append(time.perf_counter() - started)
            for item in items[cut:]:
                started = time.perf_counter()
                await store.spam_model.assess(item.name, item.website, item.body)
                assess.append(time.perf_counter() - started)
            rows, _ = await store.spam_model.size()
            found = [features(item.name, item.website, item.body) for item in items]
        finally:
            await store.close()
        size = Path(folder, "bench.sqlite3").stat().st_size
    print(
        f"through a SQLite store: a submission's score {statistics.median(assess) * 1e6:.0f} µs (median),"
        f" {statistics.quantiles(assess, n=20)[-1] * 1e6:.0f} µs (p95);"
        f" a decision that teaches {statistics.median(decide) * 1e3:.1f} ms (median, its fsync included)"
    )
    print(
        f"model: {rows} features, {sum(map(len, found)) / len(found):.0f} per comment;"
        f" the database file {size / 1024:.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1600)
    items = corpus(parser.parse_args().size)
    print(f"corpus: {len(items)} comments, {sum(item.spam for item in items)} of them spam, over a year")
    figures(items)
    in_memory(items)
    asyncio.run(through_sqlite(items))


if __name__ == "__main__":
    main()
