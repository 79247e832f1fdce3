"""What the moderation API says of a comment's chances and of what held it: the classifier's
score, verdict and reasons, and the holds (the spam checks and rules that held or binned it)."""

from __future__ import annotations

from .models import Comment


def triage_fields(comment: Comment) -> dict[str, object]:
    """Until the classifier scores comments: no score, `unsure`, and nothing named."""
    return {"score": None, "verdict": "unsure", "reasons": [], "holds": []}
