"""The pages behind the email links, as a moderator meets them later: expired, or on a phone."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.conftest import MODERATORS, SITE
from tests.factories import email_link, submit
from tests.moderators import Clock
from tests.smtp import SmtpSink

THREAD = "/how-many-ketamine-treatments/"
TITLE = "How many ketamine treatments does depression take?"


async def test_an_expired_email_link_leads_to_the_queue(service: TestClient, smtpd: SmtpSink, clock: Clock) -> None:
    comment_id = await submit(service)
    link = await email_link(smtpd, comment_id, "approve", MODERATORS[0])
    clock.advance(7 * 86400 + 1)
    for method in ("GET", "POST"):
        response = await service.request(method, link)
        assert response.status == 410
        assert '<a href="/queue">open the moderation queue</a>' in await response.text()


async def test_the_email_link_pages_link_the_page_by_its_title_and_the_queue(
    service: TestClient, smtpd: SmtpSink
) -> None:
    comment_id = await submit(service)
    link = await email_link(smtpd, comment_id, "approve", MODERATORS[0])
    # Before the approval the page has no title yet: its path, and the commenter's title as theirs.
    before = await (await service.get(link)).text()
    assert f'On <a href="{SITE}{THREAD}">{THREAD}</a>' in before and f"Title given by the commenter: {TITLE}" in before
    after = await (await service.post(link)).text()
    assert f'On <a href="{SITE}{THREAD}">{TITLE}</a>' in after  # the approval gave the page its title
    for page in (before, after):
        assert "<code>" not in page and '<a href="/queue">Open the moderation queue</a>' in page
