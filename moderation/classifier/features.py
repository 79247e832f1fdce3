"""What the classifier looks at in a comment: words, word pairs, character n-grams, the domains
it links to, the website's domain, and buckets for its length and its share of capitals, digits
and links. Each feature has a key, the same in every process, and a label a moderator can read."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from hashlib import blake2b
from typing import NamedTuple
from urllib.parse import urlsplit

import regex

TOTALS = 0  # the key of the row counting the decisions of each kind: no feature has it
NGRAM = 4  # characters: catches "v1agra" and "c4sino" that no word list holds
MAX_TEXT = 2000  # characters looked at: a long body says what it is well before its end
MAX_WORDS = 200
WORD = re.compile(r"\w+")
CAPITALS = regex.compile(r"\p{Lu}+")
DIGITS = re.compile(r"\d+")
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)


class Feature(NamedTuple):  # a tuple: a comment has hundreds, made in microseconds
    key: int
    label: str  # what a moderator reads: "word: casino", "link to pharmacy.example"
    shown: bool = True  # character n-grams weigh, but say little to a reader


@lru_cache(maxsize=16384)  # the same words come back in comment after comment
def key_of(kind: str, text: str) -> int:
    """A 63-bit key (a PostgreSQL bigint), never TOTALS, from a stable hash: not hash(), which
    differs in every process."""
    digest = blake2b(f"{kind}\0{text}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest) >> 1) or 1


def normal(text: str) -> str:
    """What is compared: full-width, ligatures and case folded away."""
    return unicodedata.normalize("NFKC", text).casefold()


def domain(url: str) -> str:
    """The host of a link, without "www.": "" if there is none."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def features(name: str, website: str, body: str) -> list[Feature]:
    """Every feature of a comment, each once."""
    text = normal(body[:MAX_TEXT])
    links = LINK.findall(text)
    words = WORD.findall(LINK.sub(" ", text))[:MAX_WORDS]
    found = [
        *(feature for word in dict.fromkeys(words) for feature in _of_word(word)),
        *(
            Feature(key_of("pair", f"{a} {b}"), f"words: {a} {b}")
            for a, b in dict.fromkeys(zip(words, words[1:], strict=False))
        ),
        *(Feature(key_of("link", host), f"link to {host}") for host in map(domain, links) if host),
        *(Feature(key_of("name", word), f"name: {word}") for word in WORD.findall(normal(name))[:5]),
        *_buckets(body[:MAX_TEXT], links),
    ]
    site = domain(normal(website)) if website else ""
    if site:
        found.append(Feature(key_of("site", site), f"website {site}"))
    return list({feature.key: feature for feature in found}.values())


@lru_cache(maxsize=16384)  # a word's features are the same in every comment
def _of_word(word: str) -> tuple[Feature, ...]:
    """The word, and its letters NGRAM at a time, with a space before and after it."""
    padded = f" {word} "
    grams = dict.fromkeys(padded[i : i + NGRAM] for i in range(len(word) - 1)) if len(word) >= NGRAM else {}
    return (
        Feature(key_of("word", word), f"word: {word}"),
        *(Feature(key_of("gram", gram), f"letters {gram.strip()}", shown=False) for gram in grams),
    )


def _buckets(body: str, links: list[str]) -> list[Feature]:
    # Counted in C, by runs where it can: a loop in Python over the characters cost more than all else.
    letters = sum(map(str.isalpha, body))
    capitals = sum(map(len, CAPITALS.findall(body))) / letters if letters else 0.0
    digits = sum(map(len, DIGITS.findall(body))) / len(body) if body else 0.0
    linked = sum(map(len, links)) / len(body) if body else 0.0
    labels = [
        _bucket(capitals, ((0.05, "few capitals"), (0.3, "some capitals"), (0.6, "many capitals")), "mostly capitals"),
        _bucket(digits, ((0.0001, "no digits"), (0.05, "few digits")), "many digits"),
        _bucket(len(links), ((1, "no links"), (2, "one link"), (4, "two or three links")), "many links"),
        _bucket(linked, ((0.0001, "no link text"), (0.5, "some link text")), "mostly links"),
        _bucket(len(body), ((40, "very short"), (200, "short"), (1000, "medium length")), "long"),
    ]
    return [Feature(key_of("bucket", label), label) for label in labels]


def _bucket(value: float, below: tuple[tuple[float, str], ...], otherwise: str) -> str:
    """The label of the first bound `value` is below, else `otherwise`."""
    return next((label for bound, label in below if value < bound), otherwise)
