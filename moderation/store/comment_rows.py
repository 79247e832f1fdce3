"""A comment as every query selects it, and the row made back into a Comment."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from ..classifier.model import Assessment, Verdict
from ..holds import holds_from_json
from ..models import ByHand, Comment, CommentStatus, ThreadState
from ..sealer import Sealer
from .driver import Row

COMMENT_COLUMNS = """
    c.id, t.key, t.title, c.parent_id, c.name, c.email, c.website, c.avatar,
    c.body, c.body_html, c.status, c.created_at, c.holds, c.by_site, c.lang, c.submitted_title,
    c.spam_score, c.spam_verdict, c.spam_reasons, c.edited_at
"""
COMMENT_FROM = "comments c JOIN threads t ON t.id = c.thread_id"
THREAD_STATE = "version, first_comment_at, by_hand"


def body_digest(body: str) -> str:
    """What the index on bodies holds: short, and the same for the same text."""
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def comment(row: Row, sealer: Sealer) -> Comment:
    return Comment(
        id=row[0],
        thread=row[1],
        title=row[2],
        parent=row[3],
        name=row[4],
        email=sealer.open(row[5], "comments", "email", row[0]),
        website=row[6],
        avatar=row[7],
        body=row[8],
        body_html=row[9],
        status=CommentStatus(row[10]),
        created=datetime.fromtimestamp(row[11], UTC),
        holds=holds_from_json(row[12]),
        by_site=bool(row[13]),
        lang=row[14] or "",
        submitted_title=row[15],
        assessment=assessment(row[16], row[17], row[18]),
        edited=row[19] is not None,
    )


def assessment(score: float | None, verdict: str | None, reasons: str) -> Assessment | None:
    """The classifier's columns made back into its Assessment; None for a comment never scored."""
    if score is None or verdict is None:
        return None
    return Assessment(float(score), Verdict(verdict), tuple(json.loads(reasons)))


def assessment_columns(found: Assessment | None) -> tuple[float | None, str | None, str]:
    """What the classifier's columns hold for an Assessment."""
    if found is None:
        return None, None, "[]"
    return found.score, found.verdict.value, json.dumps(list(found.reasons), ensure_ascii=False)


def thread_state(row: Row) -> ThreadState:
    """THREAD_STATE's columns made back into a ThreadState."""
    version, first_comment_at, by_hand = row
    return ThreadState(int(version), first_comment_at, ByHand(by_hand) if by_hand else None)
