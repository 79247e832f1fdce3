"""What a moderator (or a script) asks the queue for: a tab, an order, `q` made into words, an
address and a thread, and maybe only the questions the site has not answered. Words match name
and body; the address is found through its blind index, never by reading addresses; the thread
by its key."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .models import CommentStatus, Sort

MAX_QUERY = 200


@dataclass(frozen=True)
class Search:
    words: tuple[str, ...] = ()  # each in the name or the body
    email: str = ""  # the commenter's address, any case
    thread: str = ""  # the page's path


EVERYTHING = Search()  # no search: the whole tab


@dataclass(frozen=True)
class Listing:
    """What a page of the queue, or of the moderation API's listing, shows."""

    status: CommentStatus = CommentStatus.PENDING
    sort: Sort = Sort.OLDEST
    unanswered: bool = False  # approved readers' comments that ask, with no reply by the site yet
    q: str = ""  # the search as it was typed, for the page's links
    search: Search = EVERYTHING  # q, parsed


def plain(text: str) -> bool:
    """Text a database can take as it is: no control characters but line breaks and tabs, no
    lone surrogates (PostgreSQL refuses a NUL, UTF-8 a surrogate)."""
    return not any(unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r" for char in text)


def parse_search(q: str) -> Search:
    """`email:ADDRESS`, `thread:KEY` and free words, in any order (the last of each kind wins).
    ValueError for a query too long, or not plain text."""
    if len(q) > MAX_QUERY or not plain(q):
        raise ValueError(q)
    words: list[str] = []
    email = thread = ""
    for term in q.split():
        kind, colon, value = term.partition(":")
        if colon and value and kind.lower() == "email":
            email = value
        elif colon and value and kind.lower() == "thread":
            thread = value
        else:
            words.append(term)
    return Search(tuple(words), email, thread)
