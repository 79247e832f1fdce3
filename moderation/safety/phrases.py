"""Phrases found in text the way people write: text and phrases are both normalised (case, accents,
apostrophes, repeated letters, leetspeak, punctuation), so a phrase list is written in plain words.

A phrase is a regular expression over normalised text whose words are written as in any text
("Überdosis", "don't"): they are normalised like the text when the phrase is compiled. Words are
separated by one space; "~" stands for up to three other words of the same clause. Normalised
text is lower-case words separated by single spaces, with "," and "." (any clause or sentence
mark) as words of their own, so that a phrase never spans two sentences.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex

# Digits and signs read as letters inside a word that has letters too ("su1cide", "$elf"), so
# that numbers ("50 mg", "911") stay numbers.
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
APOSTROPHES = frozenset("'’‘`´ʼ")
CLAUSE_MARKS = frozenset(',;:()[]"“”„«»—–')
SENTENCE_MARKS = frozenset(".!?¡¿…\n")
LEET_WORD = regex.compile(r"[\p{L}0-9@$]*\p{L}[\p{L}0-9@$]*|[0-9@$]+\p{L}[\p{L}0-9@$]*")
GAP = "(?:[^ .,]+ ){0,3}"  # "~": up to three words, not across a clause mark
DENIAL_GAP = "(?:[^ .,]+ ){0,2}"  # how far before a phrase a negation still denies it


@dataclass(frozen=True)
class Normalised:
    """Normalised text, padded with a space at each end, and where each of its characters came from."""

    text: str
    origin: tuple[int, ...]

    def original(self, source: str, start: int, end: int) -> str:
        """The part of `source` that the normalised text[start:end] was made from, as written."""
        return source[self.origin[start] : self.origin[end - 1] + 1]


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One character as normalised text has it: compatibility-normalised, case-folded, without its
    accents; a clause or sentence mark as " , " or " . ", and any other sign as a space."""
    if char in SENTENCE_MARKS:
        return " . "
    if char in CLAUSE_MARKS:
        return " , "
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(
        part if part.isalnum() or part in "@$" else " " for part in decomposed if not unicodedata.combining(part)
    )


def normalise(source: str) -> Normalised:
    chars: list[str] = [" "]
    origin: list[int] = [0]
    for at, raw in enumerate(source):
        if raw in APOSTROPHES:
            continue  # "don't" and "dont", "Dana's" and "Danas" are one word
        for char in _fold(raw):
            # One space between words ("self-harm" is "self harm"), and repeated letters squeezed
            # ("soooo"; "kill" and "kil" alike, since phrases are normalised the same way).
            if char == chars[-1] and (char == " " or char.isalpha()):
                continue
            chars.append(char)
            origin.append(at)
    if chars[-1] != " ":
        chars.append(" ")
        origin.append(max(len(source) - 1, 0))
    # Leetspeak, word by word: the same length, so each character keeps its origin.
    text = LEET_WORD.sub(lambda word: word[0].translate(LEET), "".join(chars))
    return Normalised(text, tuple(origin))


def _words(phrase: str) -> str:
    """A phrase's words normalised as text is, its regular-expression syntax left as it is."""
    phrase = "".join(char for char in phrase if char not in APOSTROPHES)
    phrase = regex.sub(r"\p{L}+", lambda word: normalise(word[0]).text.strip(), phrase)
    return phrase.replace("~ ", GAP)


def alternatives(phrases: Iterable[str]) -> str:
    """The phrases as one alternation, their words normalised."""
    return "|".join(f"(?:{_words(phrase)})" for phrase in phrases)


def on_words(pattern: str, denials: str = "") -> str:
    """`pattern` matching whole words only; `denials`, if given, are words that must not come just
    before it (a negation: "not", "never")."""
    return f"(?<= ){_not_after(denials) if denials else ''}(?:{pattern})(?= )"


def _not_after(denials: str) -> str:
    """An empty match that fails where one of `denials` comes just before (a few words at most)."""
    return f"(?<! (?:{_words(denials)}) {DENIAL_GAP})"


class PhraseSearch:
    """Named lists of phrases, tried word by word, each word only against the phrases that can begin
    with its first character. One alternation of hundreds of phrases, tried whole at every word, was
    most of what reading a comment cost; which phrases can begin with a character is asked of the
    regular expressions themselves (a partial match), once per character seen."""

    def __init__(self, groups: dict[str, Iterable[str]], denials: str = "") -> None:
        self._groups = {name: tuple(_words(phrase) for phrase in phrases) for name, phrases in groups.items()}
        # A denial is looked for only before a match: as a guard in each expression it was tried at every word.
        self._undenied = regex.compile(_not_after(denials)) if denials else None
        self._openings = {
            phrase: regex.compile(f" (?:{phrase})") for phrases in self._groups.values() for phrase in phrases
        }
        self._by_first: dict[str, regex.Pattern[str] | None] = {}
        self._by_phrases: dict[tuple[str, ...], regex.Pattern[str] | None] = {}

    def _beginning_with(self, char: str) -> regex.Pattern[str] | None:
        """The expression of the phrases that can begin with `char`; None if none can."""
        if char not in self._by_first:
            opens = [phrase for phrase, opening in self._openings.items() if opening.match(" " + char, partial=True)]
            key = tuple(opens)
            if key not in self._by_phrases:
                chosen = set(opens)
                named = [
                    f"(?P<{name}>{'|'.join(f'(?:{phrase})' for phrase in phrases if phrase in chosen)})"
                    for name, phrases in self._groups.items()
                    if chosen.intersection(phrases)
                ]
                self._by_phrases[key] = regex.compile(on_words("|".join(named))) if named else None
            self._by_first[char] = self._by_phrases[key]
        return self._by_first[char]

    def matches(self, text: str) -> Iterable[regex.Match[str]]:
        """The first match at each word of normalised `text` that begins one, in order (as an
        overlapped search finds them); each match's lastgroup names its list."""
        at = text.find(" ")
        while 0 <= at < len(text) - 1:
            at += 1
            pattern = self._beginning_with(text[at])
            if pattern is not None and (match := pattern.match(text, at)):
                if self._undenied is None or self._undenied.match(text, at):
                    yield match
            at = text.find(" ", at)
