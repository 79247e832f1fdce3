"""No field of a comment puts a line into a mail that a script reading `Approve:`, `Reject:`,
`Sign in:` or `Confirm:` lines would take: comment text is indented, names and titles are one line."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from aiohttp.test_utils import TestClient

from moderation.app import create_app
from tests.conftest import MODERATORS, PUBLIC_URL
from tests.factories import decide, submit
from tests.readers import OTHER, READER, confirm_path, wait_for_mails_to
from tests.smtp import SmtpSink, mails_for, text_of
from tests.test_digests import Clock, digest_config, digest_to, utc
from tests.waiting import eventually

SCRIPT_WORDS = ("Approve:", "Reject:", "Sign in:", "Confirm:")
PLANTED = "".join(f"\n{word} https://evil.example/{n}" for n, word in enumerate(SCRIPT_WORDS))
# Every way text can break a line: \n, \r, and the separators mail software and Python split on.
BODY = f"Looks right to me.{PLANTED}\rApprove: https://evil.example/cr\u2028Approve: https://evil.example/ls"
NAME = "Approve: https://evil.example/name"
TITLE = "Approve: https://evil.example/title\nReject: https://evil.example/title"


def script_lines(message: EmailMessage) -> list[str]:
    """The lines of the text part that a script would take for one of our links."""
    return [line for line in text_of(message).splitlines() if line.startswith(SCRIPT_WORDS)]


def assert_nothing_planted(message: EmailMessage) -> None:
    planted = [line for line in script_lines(message) if "evil.example" in line]
    assert not planted, f"{message['Subject']}: {planted}"


def first_line(message: EmailMessage, word: str) -> str:
    return next(line for line in script_lines(message) if line.startswith(word))


async def moderator_mails(smtpd: SmtpSink, comment_id: int) -> list[EmailMessage]:
    return await eventually(
        lambda: len(mails_for(smtpd.messages, comment_id)) == len(MODERATORS) and mails_for(smtpd.messages, comment_id),
        timeout=15.0,
    )


async def test_no_comment_plants_a_link_line_in_the_moderator_reader_or_reply_mail(
    client: TestClient, smtpd: SmtpSink
) -> None:
    first = await submit(client, name=NAME, title=TITLE, body=BODY, email=READER, notify=True)
    for mail in await moderator_mails(smtpd, first):
        assert first_line(mail, "Approve:").startswith(f"Approve: {PUBLIC_URL}/moderate/")
        assert first_line(mail, "Reject:").startswith(f"Reject: {PUBLIC_URL}/moderate/")
        assert_nothing_planted(mail)
        assert "    Looks right to me." in text_of(mail).splitlines()  # the text is there, indented
    await decide(client, smtpd, first)
    (published,) = await wait_for_mails_to(smtpd, READER, 1)
    assert first_line(published, "Confirm:").startswith(f"Confirm: {PUBLIC_URL}/subscriptions/confirm/")
    assert_nothing_planted(published)
    assert (await client.post(confirm_path(published))).status == 200

    # Another text: the same one twice on a page is kept as spam.
    reply = await submit(client, parent=first, name=NAME, body=BODY.replace("Looks right", "Right"), email=OTHER)
    for mail in await moderator_mails(smtpd, reply):
        assert first_line(mail, "Approve:").startswith(f"Approve: {PUBLIC_URL}/moderate/")
        assert_nothing_planted(mail)
    await decide(client, smtpd, reply)
    replied = (await wait_for_mails_to(smtpd, READER, 2))[-1]
    assert str(replied["Message-ID"]).startswith(f"<comment-{reply}.reply-")
    assert_nothing_planted(replied)
    assert "    Right to me." in text_of(replied).splitlines()


async def test_no_comment_plants_a_link_line_in_the_digest(
    tmp_path: Path,
    smtpd: SmtpSink,
    database_url: str,
    aiohttp_client,  # type: ignore[no-untyped-def]  # last: the app stops before its database goes
) -> None:
    clock = Clock(utc(10, 15, 20))
    client = await aiohttp_client(create_app(digest_config(tmp_path, smtpd.port, database_url, "hourly"), clock=clock))
    await submit(client, name=NAME, title=TITLE, body=BODY)
    clock.set(utc(10, 16, 0, 10))
    await smtpd.wait_for(2)
    digest = digest_to(smtpd.messages, MODERATORS[0])
    assert first_line(digest, "Approve:").startswith(f"Approve: {PUBLIC_URL}/moderate/")
    assert_nothing_planted(digest)
