"""Who hears about what: from an event (and what the store looked up with it) to the rows that
must be written in the change's own transaction. Pure functions, one channel per module."""

from __future__ import annotations

from ..config import Config
from ..events import Event
from ..links import Links
from . import lessons, moderator_mail, my_data_mail, reader_mail, signin_mail, webhooks
from .writes import NO_FACTS, Facts, Write


def follow(event: Event, config: Config, links: Links, facts: Facts = NO_FACTS) -> list[Write]:
    """Every row that follows from `event`, mail before webhooks, and what it teaches the spam
    classifier; `links`: the addresses they give."""
    return [
        *moderator_mail.follow(event, config),
        *reader_mail.follow(event, facts),
        *signin_mail.follow(event),
        *my_data_mail.follow(event),
        *webhooks.follow(event, config, links),
        *lessons.follow(event),
    ]
