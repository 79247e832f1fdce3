"""What the moderation API says of a comment's chances and of what held it: the classifier's
score, verdict and reasons, and the holds (the spam checks and rules that held or binned it)."""

from __future__ import annotations

from .classifier.model import Verdict
from .models import Comment


def triage_fields(comment: Comment) -> dict[str, object]:
    """The classifier's view as it scored the comment at submission (a cold model: 0.5, `unsure`);
    a comment it never scored (the site's own, an import) has no score. Holds: each check's or
    rule's {"kind", "detail"}, none for a comment nothing held."""
    holds = [hold.as_json() for hold in comment.holds]
    assessment = comment.assessment
    if assessment is None:
        return {"score": None, "verdict": Verdict.UNSURE.value, "reasons": [], "holds": holds}
    return {
        "score": round(assessment.score, 4),
        "verdict": assessment.verdict.value,
        "reasons": list(assessment.reasons),
        "holds": holds,
    }
