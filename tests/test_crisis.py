"""A reader in crisis: first-person, present talk of suicide, self-harm, an overdose or an emergency
is found in any shipped language and its common spellings; clinical and third-person talk passes.
Figures on the held-out examples (bench/corpus/crisis/held_out.txt), which the lexicons were not
tuned on."""

from __future__ import annotations

import pytest
import regex

from bench.corpus.clinic import corpus
from bench.corpus.safety import PARTS, examples, figures, lines
from moderation.safety.crisis import LEXICONS, SIGNS, Crisis, crisis_signs
from moderation.safety.phrases import alternatives, normalise, on_words


def test_held_out_examples_are_found_with_few_false_alarms() -> None:
    held_out = examples("crisis", "held_out")
    found = [(example, crisis_signs(example.text)) for example in held_out]
    overall = figures(found)
    print("\n".join(lines("crisis held_out", found)))
    assert overall.positives >= 70 and overall.ordinary >= 150
    assert overall.recall >= 0.95
    assert overall.false_alarms <= 0.02
    assert overall.right_kind >= 0.95 * overall.found


@pytest.mark.parametrize(
    ("text", "signs"),
    [
        ("I took all my pills", {Crisis.OVERDOSE}),
        ("I can't go on", {Crisis.SUICIDE}),
        ("I'm going to end it tonight", {Crisis.SUICIDE}),
        ("chest pain and can't breathe right now", {Crisis.EMERGENCY}),
        ("I cut myself again last night", {Crisis.SELF_HARM}),
        ("I took all my pills because I want to die", {Crisis.OVERDOSE, Crisis.SUICIDE}),
        # Common spellings and disguises.
        ("kms", {Crisis.SUICIDE}),
        ("lol kys", {Crisis.SUICIDE}),
        ("thinking about unalive tbh", {Crisis.SUICIDE}),
        ("sewerslide is on my mind", {Crisis.SUICIDE}),
        ("I feel SU1CIDAL", {Crisis.SUICIDE}),
        ("i just wanna end it all", {Crisis.SUICIDE}),
        ("I DON’T want to wake up", {Crisis.SUICIDE}),
        ("I want to diiiie", {Crisis.SUICIDE}),
        ("i want to k1ll my$elf", {Crisis.SUICIDE}),
        # German and Spanish, whatever the page's language.
        ("Ich will mich umbringen", {Crisis.SUICIDE}),
        ("Ich möchte nicht mehr leben", {Crisis.SUICIDE}),
        ("ICH DENKE STÄNDIG AN SUIZID", {Crisis.SUICIDE}),
        ("Ich ritze mich wieder", {Crisis.SELF_HARM}),
        ("Ich habe eine Überdosis genommen", {Crisis.OVERDOSE}),
        ("Ich bekomme keine Luft", {Crisis.EMERGENCY}),
        ("Estoy pensando en suicidarme", {Crisis.SUICIDE}),
        ("Quiero quitarme la vida", {Crisis.SUICIDE}),
        ("no quiero vivir", {Crisis.SUICIDE}),
        ("Quiero cortarme", {Crisis.SELF_HARM}),
        ("Me tomé todas las pastillas", {Crisis.OVERDOSE}),
        ("No puedo respirar", {Crisis.EMERGENCY}),
    ],
)
def test_first_person_present_distress_is_found(text: str, signs: set[Crisis]) -> None:
    assert set(crisis_signs(text)) == signs


@pytest.mark.parametrize(
    "text",
    [
        "Ketamine is studied for suicidal ideation.",
        "It has helped my depression.",
        "An article about ketamine and depression, treatment-resistant depression and depression scales.",
        "The overdose risk of opioids in general is much higher.",
        "My suicide-prevention training was last week.",
        "I was depressed for years and now I'm better.",
        "I would never kill myself, but the dark thoughts were loud.",
        "I'm not suicidal, just tired of the side effects.",
        "I took my pills this morning as usual.",
        "I take 20 mg of my medication twice a day.",
        "I can't go on holiday this year because of the sessions.",
        "Ich bin nicht suizidal.",
        "No quiero morir, quiero mejorar.",
        "Me corté el pelo antes de la sesión.",
        "The nurse said to call 911 only in an emergency, which never happened.",
    ],
)
def test_clinical_third_person_and_denied_talk_passes(text: str) -> None:
    assert crisis_signs(text) == ()


def test_the_categories_come_in_one_order_each_once() -> None:
    signs = crisis_signs("I cut myself, then I took all my pills, I want to die, I want to die.")
    assert signs == (Crisis.SUICIDE, Crisis.SELF_HARM, Crisis.OVERDOSE)
    assert [str(sign) for sign in signs] == ["suicide", "self_harm", "overdose"]  # what a hold records


def test_searching_word_by_word_finds_what_one_expression_of_every_phrase_finds() -> None:
    """The search tries at each word only the phrases that can begin with its first character; on
    every example and every comment of the corpora it finds what the one expression of all
    phrases, tried whole at every word, finds."""
    lists = {
        crisis.value: "|".join(alternatives(lexicon.phrases[crisis]) for lexicon in LEXICONS.values())
        for crisis in Crisis
    }
    whole = regex.compile(
        on_words(
            "|".join(f"(?P<{name}>{phrases})" for name, phrases in lists.items()),
            denials="|".join(lexicon.denials for lexicon in LEXICONS.values()),
        )
    )
    texts = [example.text for part in PARTS for example in examples("crisis", part)]
    texts += [comment.body for comment in corpus()]
    found = 0
    for text in texts:
        normalised = normalise(text).text
        expected = [(match.start(), match.lastgroup) for match in whole.finditer(normalised, overlapped=True)]
        assert [(match.start(), match.lastgroup) for match in SIGNS.matches(normalised)] == expected, text
        found += bool(expected)
    print(f"\n{len(texts)} texts, {found} with a crisis phrase, the same matches both ways")
    assert found > 100
