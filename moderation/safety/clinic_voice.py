"""The clinic's own voice: a reply the site posts must not confirm that the person it answers is a
patient, nor disclose anything of their care. Pure: a reply in, the warnings out, each with the
phrase as written, so that the person replying can rephrase it or post anyway.

A reply speaks the site's language (MODERATION_LANGUAGE), so only that language's phrases apply.
What stays general passes: "patients often...", "talk with your clinician", "your doctor can tell
you". Phrases are written as moderation/safety/phrases.py describes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import regex

from ..i18n import N_, Language
from .phrases import alternatives, normalise, on_words


class CareKind(StrEnum):
    RELATIONSHIP = "relationship"  # that the person is, or was, a patient: "as your doctor"
    CARE_DETAIL = "care_detail"  # something of their care: "your results", "your dose"
    NAMED_PATIENT = "named_patient"  # the commenter's name next to a treatment: "Dana's infusion"


@dataclass(frozen=True)
class CareWarning:
    kind: CareKind
    phrase: str  # as written in the reply


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[CareKind, tuple[str, ...]]
    treatments: str  # the words a name next to them makes a disclosure


MESSAGES = {
    CareKind.RELATIONSHIP: N_("“%(phrase)s” may confirm that the person you answer is a patient of the clinic."),
    CareKind.CARE_DETAIL: N_("“%(phrase)s” may disclose something of the care of the person you answer."),
    CareKind.NAMED_PATIENT: N_("“%(phrase)s” names the person you answer next to a treatment."),
}

ENGLISH = Lexicon(
    phrases={
        CareKind.RELATIONSHIP: (
            "as (your|ur) (doctor|therapist|provider|psychiatrist|nurse|clinician|physician|counsell?or|care team|"
            "care provider|prescriber)",
            "when (you|u) (came|come) (in|to see us|to the clinic|to us)",
            "when we (saw|last saw|treated|met) you",
            "(at|during|since|after|before) (your|ur) (last|previous|recent|first|latest) "
            "(visit|appointment|session|infusion|consultation)",
            "(your|ur) (next |upcoming |follow up |followup )?(appointment|visit|consultation|follow up|followup)",
            "our patient",
            "(one of|from|to|among) our ~ patients",
            "thanks? (you )?for (coming in|coming|visiting|your visit)",
            "(good|great|lovely|nice) to see you",
            "see you (at|next|on|tomorrow)",
            "(treating|treated) you",
            "we remember you",
            "(having|had) you (at|in|here|with us)",
            "(you ve|youve|you have) been (with us|coming to us)",
        ),
        CareKind.CARE_DETAIL: (
            "(your|ur) (results|lab results|test results|bloodwork|blood work|blood tests?|scans?|records|file|chart|"
            "notes|prescription|dose|dosage|treatment plan|treatment|therapy|diagnosis|referral|consent form|intake|"
            "infusions?|sessions?|boosters?|blood pressure|readings|invoice|bill|next (infusion|session|booster|dose))"
            "(?! options)",
            "(have|keep|kept) ~ on file",
        ),
    },
    treatments="ketamine|esketamine|infusions?|sessions?|doses?|dosage|treatment|treated|treating|therapy|boosters?|"
    "spray|prescriptions?|appointments?",
)

GERMAN = Lexicon(
    phrases={
        CareKind.RELATIONSHIP: (
            "als (ihr|ihre|dein|deine) (arzt|arztin|therapeut|therapeutin|psychiater|psychiaterin|behandler|"
            "behandlerin|behandlungsteam)",
            "(ihr|ihren|ihrem|dein|deinen|deinem) (nachster |nachsten |letzter |letzten )?(termin|besuch)",
            "(unsere|unser|unseren|unserer) (patientin|patient|patienten|patientinnen)",
            "bei uns (waren|warst|wart|gewesen)",
        ),
        CareKind.CARE_DETAIL: (
            "(ihr|ihre|ihren|ihrem|ihrer|dein|deine|deinen|deinem|deiner) (nachste |nachsten |letzte |letzten )?"
            "(behandlung|rezept|dosis|befunde|befund|ergebnisse|ergebnis|akte|unterlagen|werte|blutwerte|diagnose|"
            "uberweisung|sitzung|infusion|therapie|krankengeschichte)",
        ),
    },
    treatments="ketamin|esketamin|behandlung|sitzung|sitzungen|infusion|infusionen|dosis|therapie|termin|rezept",
)

SPANISH = Lexicon(
    phrases={
        CareKind.RELATIONSHIP: (
            "como (su|tu) (medico|medica|terapeuta|psiquiatra|doctor|doctora|enfermera|enfermero|equipo medico)",
            "(su|tu) (proxima |ultima )?(cita|visita)",
            "en (su|tu) (ultima|anterior|primera) (visita|cita|sesion|consulta)",
            "(nuestro|nuestra|nuestros|nuestras) (paciente|pacientes)",
            "(paciente|pacientes) (nuestro|nuestra|nuestros|nuestras)",
            "(vino|viniste|venir|vuelto|volvio) a (vernos|la clinica)",
            "(cuando|desde que) (le|te|la|lo) (vimos|atendimos|tratamos)",
        ),
        CareKind.CARE_DETAIL: (
            "(su|sus|tu|tus) (proxima |ultima )?(tratamiento|receta|recetas|dosis|resultados|analisis|historial|"
            "expediente|historia clinica|diagnostico|derivacion|sesion|sesiones|infusion|infusiones|terapia)",
        ),
    },
    treatments="ketamina|esketamina|tratamiento|sesion|sesiones|infusion|infusiones|dosis|terapia|cita|receta",
)

LEXICONS = {"en": ENGLISH, "de": GERMAN, "es": SPANISH}
NAME_GAP = "(?:[^ .]+ ){0,4}"  # a name and a treatment word four words apart, in one sentence


def _compile(lexicon: Lexicon) -> regex.Pattern[str]:
    kinds = "|".join(f"(?P<{kind.value}>{alternatives(phrases)})" for kind, phrases in lexicon.phrases.items())
    return regex.compile(on_words(kinds))


PHRASES = {code: _compile(lexicon) for code, lexicon in LEXICONS.items()}
TREATMENTS = {code: on_words(alternatives(lexicon.treatments.split("|"))) for code, lexicon in LEXICONS.items()}


def _named(language: str, parent_name: str) -> regex.Pattern[str] | None:
    """The parent commenter's name (any of its words, "Dana's" too) near a treatment word."""
    names = [word for word in normalise(parent_name).text.split() if word.isalpha() and len(word) > 1]
    if not names:
        return None
    name = f"(?<= )(?:{'|'.join(map(regex.escape, names))})s?(?= )"
    treatment = TREATMENTS[language]
    return regex.compile(f"{name} {NAME_GAP}{treatment}|{treatment} {NAME_GAP}{name}")


def care_warnings(reply: str, language: str, parent_name: str = "") -> list[CareWarning]:
    """What in `reply` (in `language`, a shipped one; English for another) may confirm or disclose
    care, in the order written; `parent_name` is the name of the commenter it answers."""
    language = language if language in LEXICONS else "en"
    normalised = normalise(reply)
    found = [
        (match.start(), CareWarning(CareKind(match.lastgroup or ""), normalised.original(reply, *match.span())))
        for match in PHRASES[language].finditer(normalised.text)
    ]
    named = _named(language, parent_name)
    if named:
        found += [
            (match.start(), CareWarning(CareKind.NAMED_PATIENT, normalised.original(reply, *match.span())))
            for match in named.finditer(normalised.text)
        ]
    return [warning for _, warning in sorted(found, key=lambda item: item[0])]


def warning_message(warning: CareWarning, language: Language) -> str:
    """What a warning says, for the 422 answer and the queue, in the site's language."""
    return language.gettext(MESSAGES[warning.kind], phrase=warning.phrase)
