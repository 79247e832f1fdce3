"""Whether a reader's comment asks something: what the queue's `filter=unanswered` looks for.

A question mark (`?`, `¿`) outside quotes, code and links asks. So does a sentence that opens the
way a question does in the comment's language, for readers who leave the mark out: a question
word not followed by the start of a clause ("When does it start" asks, "When I started" tells),
or a verb followed by its subject ("Is it safe" asks, "Was great" tells). A sentence that ends in
`!` or opens with `¡` exclaims, whatever its first word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKS = re.compile("[?¿？]")
QUOTED = re.compile(r"^[ \t]*>.*$", re.MULTILINE)  # Markdown quotes: someone else's words
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
LINK = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)  # a URL's "?" starts its query
SENTENCE_END = re.compile(r"(?<=[.!…:;])\s+|\n+")
WORD = re.compile(r"\w+(?:'\w+)?")


@dataclass(frozen=True)
class Openers:
    """How a question may open in one language."""

    asking: frozenset[str]  # question words (or two: "por qué")
    clause: frozenset[str]  # after a question word: a clause or an exclamation follows, not a question
    verbs: frozenset[str] = frozenset()  # a verb that opens a question when its subject follows
    subjects: frozenset[str] = frozenset()
    telling: frozenset[str] = frozenset()  # after verb and subject: a statement ("Kann ich nur empfehlen")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


OPENERS = {
    "en": Openers(
        asking=_words("who whom whose what when where why how which"),
        clause=_words("i we you he she they it my our your his her their a an the"),
        verbs=_words(
            "is are am was were do does did can could should would will has have had may might must shall"
            " isn't aren't wasn't don't doesn't didn't can't couldn't shouldn't wouldn't won't hasn't haven't"
        ),
        subjects=_words("i you we they he she it this that these those there anyone anybody someone somebody the any"),
    ),
    "de": Openers(
        asking=_words(
            "wer wen wem wessen was wann wo woher wohin warum wieso weshalb weswegen wie welche welcher"
            " welches welchen welchem wozu wofür womit worauf worüber wodurch"
        ),
        clause=_words("ich wir du er sie es man mein meine unser unsere der die das ein eine schon immer gesagt"),
        verbs=_words(
            "kann kannst können könnte könnten soll sollte sollten muss müssen darf dürfen ist sind war waren"
            " hat haben hatte hatten gibt gab wird werden würde würden weiß weißt hilft braucht bringt kennt"
            " macht tut geht gilt zahlt übernimmt"
        ),
        subjects=_words("ich du er sie es man wir ihr jemand das die der dies diese dieser dieses ein eine einer"),
        telling=_words("nur"),
    ),
    "es": Openers(
        asking=_words("qué quién quiénes cuándo dónde adónde cómo cuál cuáles cuánto cuánta cuántos cuántas")
        | {"por qué"},
        clause=_words("bueno buena bien pena alegría suerte gusto bonito lindo alivio maravilla horror"),
    ),
}


def asks_question(text: str, language: str) -> bool:
    """Whether `text` (a comment's Markdown) asks something; `language` picks the question words."""
    own = LINK.sub(" ", CODE.sub(" ", QUOTED.sub(" ", text)))
    if MARKS.search(own):
        return True
    openers = OPENERS.get(language)
    if openers is None:
        return False
    for sentence in SENTENCE_END.split(own):
        sentence = sentence.strip()
        if sentence and not sentence.startswith("¡") and not sentence.endswith("!"):
            if _opens_a_question(WORD.findall(sentence.replace("’", "'").casefold()), openers):
                return True
    return False


def _opens_a_question(words: list[str], openers: Openers) -> bool:
    for length in (2, 1):
        if " ".join(words[:length]) in openers.asking:
            following = words[length : length + 1]
            return not following or following[0] not in openers.clause
    if len(words) >= 2 and words[0] in openers.verbs and words[1] in openers.subjects:
        return words[2:3] == [] or words[2] not in openers.telling
    return False
