"""The site's own rules, compiled once at start-up, since they run on every submission:
MODERATION_SPAM_WORDS and MODERATION_HOLD_WORDS (Words: one regex for all of a list's words),
MODERATION_DENY_LINK_DOMAINS (DeniedDomains: a set lookup per link's host). No I/O here."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import unquote

import regex
from yarl import URL

from .classifier.features import LINK

COMBINING = regex.compile(r"\p{Mn}+")  # the accents NFD takes off their letters
FIELDS = "\0"  # between the fields matched: no word boundary is missed, no phrase spans two fields


def folded(text: str) -> str:
    """What words are compared as: NFKC, case folded, without accents, each run of spaces one
    space. Both sides are folded, so `viagra` finds `VIÁGRA` and `Ｖｉａｇｒａ`."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
        text = unicodedata.normalize("NFC", COMBINING.sub("", text))
    return " ".join(text.split())


Tree = dict[str, "Tree"]  # each letter, and what may follow it; "" where a word ends


def _trie(words: Iterable[str]) -> str:
    """One pattern for many words, as a tree of their letters: the regex engine tries each letter
    once at each place of the text, not each word (300 words: a quarter of the time)."""
    tree: Tree = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: Tree) -> str:
        branches = [re.escape(letter) + pattern(rest) for letter, rest in sorted(node.items()) if letter]
        if not branches:
            return ""
        either = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{either})?" if "" in node else either

    return pattern(tree)


class Words:
    """A list of words and phrases, found in a comment's name, website and body on word boundaries:
    `abcd.com` finds `https://abcd.com/` and `www.ABCD.com`, never `xabcd.com`."""

    def __init__(self, words: Sequence[str]):
        # The word as the operator wrote it, by what it is compared as: what a finding names.
        self._written = {folded(word): word for word in reversed(words) if folded(word)}
        self._pattern = re.compile(rf"(?<!\w){_trie(self._written)}(?!\w)") if self._written else None

    def find(self, *fields: str) -> str | None:
        """The first word found, as configured; None if there is none."""
        if self._pattern is None:
            return None
        found = self._pattern.search(FIELDS.join(map(folded, fields)))
        return self._written[found.group(0)] if found else None


# What CommonMark undoes in a link's target before it becomes the href: a backslash before
# punctuation, and character references (`https://evil&#46;example` links to evil.example).
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def host_of(url: str) -> str:
    """A link's host as DNS knows it (IDNA, lower case, no final dot); "" if it has none."""
    # A sentence's full stop or comma after a link is not part of it. A browser reads a backslash
    # in an http(s) link as a slash, and a host's %XX as its letter.
    url = url.rstrip(".,;:!?").replace("\\", "/")
    try:
        host = URL(url if "://" in url else f"http://{url}").host or ""
        return domain_name(unquote(host))
    except ValueError:
        return ""


def domain_name(name: str) -> str:
    """A domain as hosts are compared with it: IDNA, lower case, no final dot. ValueError if it is none."""
    return URL.build(scheme="http", host=name.strip().rstrip(".")).raw_host or ""


def link_hosts(website: str, body: str) -> Iterator[str]:
    """The host of every link a comment shows: its website, and in its body Markdown links, bare
    URLs and `www.` forms, as the page will show them."""
    text = unicodedata.normalize("NFKC", html.unescape(ESCAPED.sub(r"\1", body)))
    for url in (website, *LINK.findall(text)):
        if host := host_of(url):
            yield host


class DeniedDomains:
    """Domains whose links send a comment to spam: the domain itself and every sub-domain of it
    (`evil.example` denies `shop.evil.example`, not `notevil.example`)."""

    def __init__(self, domains: Iterable[str]):
        self._domains = frozenset(domains)  # each as domain_name() writes it (setting_parsers.domains)

    def find(self, website: str, body: str) -> str | None:
        """The first denied domain a comment links to; None if it links to none."""
        if not self._domains:
            return None
        for host in link_hosts(website, body):
            labels = host.split(".")
            for start in range(len(labels)):
                if (suffix := ".".join(labels[start:])) in self._domains:
                    return suffix
        return None
