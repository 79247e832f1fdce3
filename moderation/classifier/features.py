"""What the classifier looks at in a comment: words (and what "v1agra" or "c i a l i s" spell),
word pairs, the domains it links to, the website's domain, the author's name, and buckets for
its length and its share of capitals, digits and links. Each feature has a key, the same in
every process, and a label a moderator can read."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

import regex
import xxhash

# Which features make the keys. Counts stored under other keys are rebuilt from the audit log
# when the store starts (Store.migrate): change it with every change to what is counted.
VERSION = 2
TOTALS = 0  # the key of the row counting the decisions of each kind: no feature has it
MAX_TEXT = 2000  # characters looked at: a long body says what it is well before its end
MAX_WORDS = 200
WORD = re.compile(r"[\w@$]+")  # with "@" and "$": "x@nax" and "ca$h" stay one word
NAME_WORD = re.compile(r"\w+")
# Three or more letters standing alone in a row ("c i a l i s", "v-i-a-g-r-a") spell a word.
SPACED = re.compile(r"(?<!\w)(?:[^\W\d_][\s.\-_*]){2,}[^\W\d_](?!\w)")
SEPARATORS = re.compile(r"[\s.\-_*]")
LEET = str.maketrans("013457@$", "oieastas")
CAPITALS = regex.compile(r"\p{Lu}+")
LETTERS = regex.compile(r"\p{L}+")
DIGITS = re.compile(r"\d+")
LINK = re.compile(r"(?:https?://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
LABELS = {
    "word": "word: {}",
    "pair": "words: {}",
    "link": "link to {}",
    "name": "name: {}",
    "site": "website {}",
    "ending": "address ending .{}",
    "bucket": "{}",
}


class Feature(NamedTuple):  # a tuple: a comment has a hundred, made in microseconds
    key: int
    kind: str  # one of LABELS
    text: str

    @property
    def label(self) -> str:
        """What a moderator reads: "word: casino", "link to pharmacy.example"."""
        return LABELS[self.kind].format(self.text)


def key_of(kind: str, text: str) -> int:
    """A 63-bit key (a PostgreSQL bigint), never TOTALS, from a hash that is the same in every
    process and on every machine (not hash()): XXH3, a tenth of blake2b's cost, and a key is no
    secret. Its collisions, one in 2**63 a pair, cost nothing but a hint."""
    return (xxhash.xxh3_64_intdigest(f"{kind}\0{text}".encode()) >> 1) or 1


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
    raw = body[:MAX_TEXT]
    text = normal(raw)
    links = LINK.findall(text)
    prose = LINK.sub(" ", text) if links else text
    words = WORD.findall(prose)[:MAX_WORDS]
    spelt = [SEPARATORS.sub("", run) for run in SPACED.findall(prose)]
    found = {feature.key: feature for word in dict.fromkeys(words + spelt) for feature in _of_word(word)}
    found.update((feature.key, feature) for feature in map(_of_pair, zip(words, words[1:], strict=False)))
    hosts = [host for host in map(domain, links) if host]
    site = domain(normal(website)) if website else ""
    extra = [
        *(Feature(key_of("link", host), "link", host) for host in hosts),
        *(Feature(key_of("name", word), "name", word) for word in NAME_WORD.findall(normal(name))[:5]),
        *_buckets(raw, links),
        *([Feature(key_of("site", site), "site", site)] if site else []),
        # A new domain says nothing yet; where it was registered, often something.
        *(
            Feature(key_of("ending", tld), "ending", tld)
            for tld in {host.rpartition(".")[2] for host in (*hosts, site) if "." in host}
        ),
    ]
    found.update((feature.key, feature) for feature in extra)
    return list(found.values())


@lru_cache(maxsize=4096)  # a word's features are the same in every comment; about 400 bytes each
def _of_word(word: str) -> tuple[Feature, ...]:
    """The word, and the word it spells when digits or symbols stand for letters ("v1agra",
    "x@nax"): the same feature as the word spelt plainly, so that one teaches the other."""
    found = (Feature(key_of("word", word), "word", word),)
    letters = sum(map(str.isalpha, word))
    if letters == len(word) or letters <= len(word) - letters:  # a plain word, or a number: "$400", "1st"
        return found
    plain = word.translate(LEET)
    return (*found, Feature(key_of("word", plain), "word", plain)) if plain.isalpha() else found


@lru_cache(maxsize=4096)  # "of the", "i have": pairs come back too
def _of_pair(pair: tuple[str, str]) -> Feature:
    text = " ".join(pair)
    return Feature(key_of("pair", text), "pair", text)


def _buckets(body: str, links: list[str]) -> list[Feature]:
    # Counted in C, by runs: a loop in Python over the characters cost more than all else.
    letters = sum(map(len, LETTERS.findall(body)))
    capitals = sum(map(len, CAPITALS.findall(body))) / letters if letters else 0.0
    digits = sum(map(len, DIGITS.findall(body))) / len(body) if body else 0.0
    linked = sum(map(len, links)) / len(body) if body else 0.0
    return [
        _BUCKETS[label]
        for label in (
            _bucket(
                capitals, ((0.05, "few capitals"), (0.3, "some capitals"), (0.6, "many capitals")), "mostly capitals"
            ),
            _bucket(digits, ((0.0001, "no digits"), (0.05, "few digits")), "many digits"),
            _bucket(len(links), ((1, "no links"), (2, "one link"), (4, "two or three links")), "many links"),
            _bucket(linked, ((0.0001, "no link text"), (0.5, "some link text")), "mostly links"),
            _bucket(len(body), ((40, "very short"), (200, "short"), (1000, "medium length")), "long"),
        )
    ]


def _bucket(value: float, below: tuple[tuple[float, str], ...], otherwise: str) -> str:
    """The label of the first bound `value` is below, else `otherwise`."""
    return next((label for bound, label in below if value < bound), otherwise)


_BUCKETS = {
    label: Feature(key_of("bucket", label), "bucket", label)
    for label in (
        *("few capitals", "some capitals", "many capitals", "mostly capitals"),
        *("no digits", "few digits", "many digits"),
        *("no links", "one link", "two or three links", "many links"),
        *("no link text", "some link text", "mostly links"),
        *("very short", "short", "medium length", "long"),
    )
}
