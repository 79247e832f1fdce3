"""The one line a moderator reads about what the spam classifier made of a comment, on its
queue row and in its mail: "Spam score 0.97 (likely spam): word: casino, link to …"."""

from __future__ import annotations

from babel.numbers import format_decimal

from .classifier.model import Assessment, Verdict
from .i18n import N_, Language

VERDICTS = {Verdict.LIKELY_SPAM: N_("likely spam"), Verdict.UNSURE: N_("unsure"), Verdict.LIKELY_OK: N_("likely good")}


def spam_line(language: Language, assessment: Assessment | None) -> str:
    """ "" for a comment never scored (the site's own, an imported one)."""
    if assessment is None:
        return ""
    score = format_decimal(assessment.score, format="0.00", locale=language.locale_name)
    verdict = language.gettext(VERDICTS[assessment.verdict])
    if not assessment.reasons:
        return language.gettext(N_("Spam score %(score)s (%(verdict)s)"), score=score, verdict=verdict)
    reasons = ", ".join(assessment.reasons)
    return language.gettext(
        N_("Spam score %(score)s (%(verdict)s): %(reasons)s"), score=score, verdict=verdict, reasons=reasons
    )
