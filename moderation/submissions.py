"""The comments the service writes from what it is sent: a reader's submission, the site's reply.
No I/O here: the store writes what these return."""

from __future__ import annotations

import dataclasses

from .config import Config
from .holds import Hold, HoldKind
from .models import CommentStatus, NewComment
from .render import render_body
from .spam import Verdict, is_spam
from .tokens import avatar_key
from .validation import Submission


def reader_comment(
    config: Config,
    submission: Submission,
    verdict: Verdict,
    *,
    remote_addr: str,
    lang: str,
    manage_hash: str | None = None,
) -> NewComment:
    """A reader's comment, held for moderation (or as spam, when the checks say so)."""
    return NewComment(
        thread=submission.thread,
        title=submission.title,
        name=submission.name,
        email=submission.email,
        website=submission.website,
        body=submission.body,
        body_html=render_body(submission.body),
        avatar=avatar_key(config.secret_key, submission.email),
        parent=submission.parent,
        remote_addr=remote_addr,
        status=CommentStatus.SPAM if verdict.spam else CommentStatus.PENDING,
        holds=verdict.holds,
        # Only remembered now: nothing is mailed until a moderator publishes the comment.
        notify=submission.notify,
        lang=lang,  # the page's: the reader's mail about this comment is written in it
        assessment=verdict.assessment,
        manage_hash=manage_hash,
    )


def repeated(comment: NewComment) -> NewComment:
    """A reader's comment whose text its page has already (the store finds out as it writes it):
    held as a duplicate, which keeps it as spam unless something stronger keeps it for a moderator."""
    holds = (*comment.holds, Hold(HoldKind.DUPLICATE))
    return dataclasses.replace(comment, holds=holds, status=CommentStatus.SPAM if is_spam(holds) else comment.status)


def site_reply(config: Config, body: str) -> NewComment:
    """The site's answer under a comment, published at once, in the site's name."""
    return NewComment(
        thread="",  # the comment's own, taken by the store
        title="",
        name=config.site_name,
        email=config.mail_from,
        website="",
        body=body,
        body_html=render_body(body),
        avatar=avatar_key(config.secret_key, config.mail_from),
        status=CommentStatus.APPROVED,
    )
