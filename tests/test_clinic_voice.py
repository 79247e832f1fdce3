"""The clinic's voice: a reply that would confirm a care relationship or disclose care is warned
about, with the phrase as written and a message in the site's language; general replies pass.
Figures on the held-out replies (bench/corpus/clinic_voice/held_out.txt), not tuned on."""

from __future__ import annotations

import pytest

from bench.corpus.safety import examples, figures, lines
from moderation.i18n import Language, load_translations
from moderation.safety.clinic_voice import CareKind, CareWarning, care_warnings, warning_message


def found(reply: str, language: str = "en", parent_name: str = "") -> list[tuple[CareKind, str]]:
    return [(warning.kind, warning.phrase) for warning in care_warnings(reply, language, parent_name)]


def test_held_out_replies_are_warned_about_with_few_false_alarms() -> None:
    held_out = examples("clinic_voice", "held_out")
    kinds = [
        (example, {warning.kind for warning in care_warnings(example.text, example.language, example.parent)})
        for example in held_out
    ]
    overall = figures(kinds)
    print("\n".join(lines("clinic_voice held_out", kinds)))
    assert overall.positives >= 60 and overall.ordinary >= 150
    assert overall.recall >= 0.9
    assert overall.false_alarms <= 0.02
    assert overall.right_kind >= 0.9 * overall.found


@pytest.mark.parametrize(
    ("reply", "language", "warnings"),
    [
        ("Don't forget your appointment on Monday.", "en", [(CareKind.RELATIONSHIP, "your appointment")]),
        ("Your Treatment continues next week.", "en", [(CareKind.CARE_DETAIL, "Your Treatment")]),
        ("Your prescription is ready.", "en", [(CareKind.CARE_DETAIL, "Your prescription")]),
        ("We'll keep your dose.", "en", [(CareKind.CARE_DETAIL, "your dose")]),
        (
            "Your results and your chart are fine.",
            "en",
            [(CareKind.CARE_DETAIL, "Your results"), (CareKind.CARE_DETAIL, "your chart")],
        ),
        (
            "It's in your records, your file.",
            "en",
            [(CareKind.CARE_DETAIL, "your records"), (CareKind.CARE_DETAIL, "your file")],
        ),
        ("As your therapist, I'm glad.", "en", [(CareKind.RELATIONSHIP, "As your therapist")]),
        ("As your provider we agree.", "en", [(CareKind.RELATIONSHIP, "As your provider")]),
        ("When you came in, you smiled.", "en", [(CareKind.RELATIONSHIP, "When you came in")]),
        ("When we saw you it was sunny.", "en", [(CareKind.RELATIONSHIP, "When we saw you")]),
        ("At your last visit, all was well.", "en", [(CareKind.RELATIONSHIP, "At your last visit")]),
        ("A lovely note from our patient!", "en", [(CareKind.RELATIONSHIP, "our patient")]),
        ("Ihr Termin ist am Montag.", "de", [(CareKind.RELATIONSHIP, "Ihr Termin")]),
        ("Ihre Behandlung geht weiter.", "de", [(CareKind.CARE_DETAIL, "Ihre Behandlung")]),
        ("Ihr Rezept liegt bereit.", "de", [(CareKind.CARE_DETAIL, "Ihr Rezept")]),
        ("Als Ihr Arzt sage ich ja.", "de", [(CareKind.RELATIONSHIP, "Als Ihr Arzt")]),
        ("Bei Ihrem letzten Besuch war alles gut.", "de", [(CareKind.RELATIONSHIP, "Ihrem letzten Besuch")]),
        ("Ihre Befunde sind da.", "de", [(CareKind.CARE_DETAIL, "Ihre Befunde")]),
        ("Deine Behandlung pausiert.", "de", [(CareKind.CARE_DETAIL, "Deine Behandlung")]),
        ("Su cita es el lunes.", "es", [(CareKind.RELATIONSHIP, "Su cita")]),
        ("Su tratamiento sigue.", "es", [(CareKind.CARE_DETAIL, "Su tratamiento")]),
        ("Su receta está lista.", "es", [(CareKind.CARE_DETAIL, "Su receta")]),
        ("Como su médico, lo celebro.", "es", [(CareKind.RELATIONSHIP, "Como su médico")]),
        ("En su última visita todo fue bien.", "es", [(CareKind.RELATIONSHIP, "En su última visita")]),
        ("Sus resultados son buenos.", "es", [(CareKind.CARE_DETAIL, "Sus resultados")]),
        ("Tu tratamiento sigue.", "es", [(CareKind.CARE_DETAIL, "Tu tratamiento")]),
    ],
)
def test_a_reply_that_confirms_or_discloses_care_is_warned_about(
    reply: str, language: str, warnings: list[tuple[CareKind, str]]
) -> None:
    assert found(reply, language) == warnings


@pytest.mark.parametrize(
    ("reply", "language"),
    [
        ("Patients often feel tired after an infusion.", "en"),
        ("Talk with your clinician about it.", "en"),
        ("Your doctor can tell you whether it suits you.", "en"),
        ("Ask your pharmacist about interactions.", "en"),
        ("Many people find the second session easier.", "en"),
        ("Discuss your treatment options with a psychiatrist.", "en"),
        ("There's more on boosters in our follow-up article.", "en"),
        ("Sprechen Sie mit Ihrer Ärztin darüber.", "de"),
        ("Viele Patienten sind danach müde.", "de"),
        ("Hable con su médico antes de dejar un medicamento.", "es"),
        ("Muchos pacientes se sienten cansados.", "es"),
    ],
)
def test_a_general_reply_passes(reply: str, language: str) -> None:
    assert found(reply, language) == []


def test_the_commenters_name_next_to_a_treatment_word_is_warned_about() -> None:
    assert found("Dana's infusion went well.", "en", "Dana R.") == [(CareKind.NAMED_PATIENT, "Dana's infusion")]
    assert found("Glad the session helped, Priya!", "en", "Priya") == [
        (CareKind.NAMED_PATIENT, "session helped, Priya")
    ]
    assert found("La sesión de Sofía fue bien.", "es", "Sofia") == [(CareKind.NAMED_PATIENT, "sesión de Sofía")]
    assert found("Die Behandlung von Jonas läuft.", "de", "Jonas Weber") == [
        (CareKind.NAMED_PATIENT, "Behandlung von Jonas")
    ]
    # In another sentence, far from it, or another name: general.
    assert found("Good question, Mark. In general, one infusion lasts days.", "en", "Mark") == []
    assert found("Thanks, Dana! We wrote more about what ketamine does.", "en", "Dana") == []
    assert found("Dana's infusion went well.", "en", "Mark") == []
    assert found("Dana's infusion went well.", "en") == []


def test_a_language_that_does_not_ship_is_checked_in_english() -> None:
    assert found("Your results are in.", "fr") == [(CareKind.CARE_DETAIL, "Your results")]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("en", "“As your doctor” may confirm that the person you answer is a patient of the clinic."),
        (
            "de",
            "„As your doctor“ kann bestätigen, dass die Person, der Sie antworten,"
            " Patientin oder Patient der Klinik ist.",
        ),
        ("es", "«As your doctor» puede confirmar que la persona a la que respondes es paciente de la clínica."),
    ],
)
def test_a_warning_says_what_it_found_in_the_sites_language(code: str, message: str) -> None:
    language = Language(code, load_translations(code))
    assert warning_message(CareWarning(CareKind.RELATIONSHIP, "As your doctor"), language) == message
