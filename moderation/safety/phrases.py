"""Phrases found in text the way people write: text and phrases are both normalised (case, accents,
apostrophes, repeated letters, leetspeak, punctuation), so a phrase list is written in plain words.

A phrase is a regular expression over normalised text whose words are written as in any text
("Überdosis", "don't"): they are normalised like the text when the phrase is compiled. Words are
separated by one space; "~" stands for up to three other words of the same clause. Normalised
text is lower-case words separated by single spaces, with "," and "." (any clause or sentence
mark) as words of their own, so that a phrase never spans two sentences.
"""

from __future__ import annotations

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


def _fold(char: str) -> str:
    """One character compatibility-normalised, case-folded, without its accents."""
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(part for part in decomposed if not unicodedata.combining(part))


def normalise(source: str) -> Normalised:
    chars: list[str] = [" "]
    origin: list[int] = [0]

    def put(char: str, at: int) -> None:
        if char == " " and chars[-1] == " ":
            return
        chars.append(char)
        origin.append(at)

    for at, raw in enumerate(source):
        if raw in APOSTROPHES:
            continue  # "don't" and "dont", "Dana's" and "Danas" are one word
        mark = "." if raw in SENTENCE_MARKS else "," if raw in CLAUSE_MARKS else ""
        if mark:
            for char in (" ", mark, " "):
                put(char, at)
            continue
        for char in _fold(raw):
            if char.isalnum() or char in "@$":
                put(char, at)
            else:
                put(" ", at)  # hyphens, slashes and spaces: "self-harm" is "self harm"
    put(" ", len(source) - 1 if source else 0)
    text = "".join(chars)
    # Leetspeak, word by word, then repeated letters squeezed ("soooo", "kill" and "kil" alike).
    text = LEET_WORD.sub(lambda word: word[0].translate(LEET), text)
    squeezed = [
        (char, at)
        for index, (char, at) in enumerate(zip(text, origin, strict=True))
        if not (index and char.isalpha() and char == text[index - 1])
    ]
    return Normalised("".join(char for char, _ in squeezed), tuple(at for _, at in squeezed))


def _words(phrase: str) -> str:
    """A phrase's words normalised as text is, its regular-expression syntax left as it is."""
    phrase = "".join(char for char in phrase if char not in APOSTROPHES)
    phrase = regex.sub(r"\p{L}+", lambda word: normalise(word[0]).text.strip(), phrase)
    return phrase.replace("~ ", GAP)


def alternatives(phrases: Iterable[str], before: str = "") -> str:
    """The phrases as one alternation on word boundaries; `before`, if given, is a pattern that
    must not end just before a phrase (a negation: "not", "never")."""
    joined = "|".join(f"(?:{_words(phrase)})" for phrase in phrases)
    guard = f"(?<! (?:{_words(before)}) {DENIAL_GAP})" if before else ""
    return f"(?<= ){guard}(?:{joined})(?= )"
