"""Readers hear back: published, confirm, replies, one-click unsubscribe; only ever if they asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.config import Config
from tests.conftest import MODERATORS, PUBLIC_URL, SITE, make_config
from tests.factories import decide, submit
from tests.moderators import Clock, sign_in
from tests.readers import (
    OTHER,
    READER,
    approved,
    confirm_path,
    confirmed,
    line_url,
    mails_to,
    settle,
    subscribed,
    unsubscribe_path,
    wait_for_mails_to,
)
from tests.smtp import SmtpSink, link_path, mails_for, text_of
from tests.waiting import eventually

READER_FROM = "replies@blog.clinic.example"
THREAD = "/how-many-ketamine-treatments/"


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> Config:
    return make_config(tmp_path, smtpd.port, database_url=database_url, reader_mail_from=READER_FROM)


async def test_nobody_who_did_not_tick_the_box_or_was_not_published_is_mailed(
    service: TestClient, smtpd: SmtpSink
) -> None:
    unticked = await approved(service, smtpd, body="Does the first session hurt?")
    await approved(service, smtpd, email=OTHER, parent=unticked, body="Not at all, in my case.")
    rejected = await submit(service, notify=True, body="Ticked, then rejected.")
    await decide(service, smtpd, rejected, "reject")
    await submit(service, notify=True, homepage="http://bot.example", body="Ticked, and caught as spam.")
    await submit(service, notify=True, body="Ticked, and still waiting.")
    await settle(service, smtpd)
    assert mails_to(smtpd, READER) == []


async def test_an_approved_ticked_comment_sends_one_mail_without_its_text_and_a_confirm_link(
    service: TestClient, smtpd: SmtpSink
) -> None:
    body = "My sister had six sessions in three weeks; is that usual?"
    mail = await subscribed(service, smtpd, body=body, name="Dana Reader")
    await settle(service, smtpd)
    assert mails_to(smtpd, READER) == [mail]
    assert str(mail["From"]) == READER_FROM
    assert str(mail["Auto-Submitted"]) == "auto-generated"
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(mail["List-Id"]) == "Comment replies <comments.blog.clinic.example>"
    text = text_of(mail)
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    for part in (text, str(html.get_content()), str(mail["Subject"])):
        assert "six sessions" not in part
    comment_id = int(str(mail["Message-ID"]).split(".")[0].removeprefix("<comment-"))
    assert f"{SITE}{THREAD}#comment-{comment_id}" in text

    path = confirm_path(mail)
    for _ in range(2):  # mail scanners open links: a look confirms nothing
        page = await service.get(path)
        assert page.status == 200
        assert (await page.text()).count('<form method="post">') == 1
    await approved(service, smtpd, email=OTHER, parent=comment_id, body="Replied while nobody had confirmed.")

    done = await service.post(path)
    assert done.status == 200 and "You will get an email when someone replies" in await done.text()
    again = await service.post(path)
    assert again.status == 200 and "Already confirmed" in await again.text()
    await settle(service, smtpd)
    assert mails_to(smtpd, READER) == [mail]  # the reply approved before the confirmation: never


async def test_a_confirmed_subscriber_gets_one_mail_per_approved_direct_reply_but_not_their_own(
    service: TestClient, smtpd: SmtpSink
) -> None:
    question = await confirmed(service, smtpd, body="Can I drive home after a session?")
    reply = await approved(service, smtpd, email=OTHER, name="Sam Other", parent=question, body="No: take a taxi.")
    (mail,) = (await wait_for_mails_to(smtpd, READER, 2))[1:]
    assert str(mail["From"]) == READER_FROM
    assert str(mail["List-Unsubscribe"]).startswith(f"<{PUBLIC_URL}/unsubscribe/")
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    assert str(mail["List-Id"]) and str(mail["Auto-Submitted"]) == "auto-generated"
    text = text_of(mail)
    assert "from Sam Other:" in text and "    No: take a taxi." in text.splitlines()  # the reply, indented
    assert f"{SITE}{THREAD}#comment-{reply}" in text
    assert OTHER not in text and OTHER not in str(mail)

    await approved(service, smtpd, email=READER.upper(), parent=question, body="Thanks, I will.")  # their own
    await approved(service, smtpd, email=OTHER, parent=reply, body="A reply to the reply: not direct.")
    await submit(service, email=OTHER, parent=question, body="Still waiting for a moderator.")
    rejected = await submit(service, email=OTHER, parent=question, body="Rejected.")
    await decide(service, smtpd, rejected, "reject")
    await settle(service, smtpd)
    assert len(mails_to(smtpd, READER)) == 2

    # The site's own answer from the queue ("approve and reply") is a reply too.
    moderator = await sign_in(service, smtpd)
    answered = await moderator.post(
        "/queue/reply", {"csrf": await moderator.csrf(), "id": str(question), "body": "Please do not drive."}
    )
    assert answered.status == 303
    site = (await wait_for_mails_to(smtpd, READER, 3))[2]
    assert "Please do not drive." in text_of(site)


async def test_a_cookieless_one_click_post_unsubscribes_with_200_and_later_replies_send_nothing(
    service: TestClient, smtpd: SmtpSink
) -> None:
    question = await confirmed(service, smtpd)
    await approved(service, smtpd, email=OTHER, parent=question)
    mail = (await wait_for_mails_to(smtpd, READER, 2))[1]
    # What a mail provider sends (RFC 8058): the form body, no cookie, no Origin; `service` keeps no cookies.
    response = await service.post(
        unsubscribe_path(mail),
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    assert response.status == 200
    assert "You will get no more emails about replies to this comment." in await response.text()
    await approved(service, smtpd, email=OTHER, parent=question, body="Answered after the unsubscribe.")
    await settle(service, smtpd)
    assert len(mails_to(smtpd, READER)) == 2


async def test_never_email_me_again_blocks_confirmations_now_and_later(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    mail = await subscribed(service, smtpd)
    page = await service.get(unsubscribe_path(mail))
    assert page.status == 200
    text = await page.text()
    assert "Unsubscribe</button>" in text and "Never email me again</button>" in text
    never = await service.post(unsubscribe_path(mail), data={"never": "1"}, allow_redirects=False)
    assert never.status == 200 and "We will never email you again" in await never.text()

    refused = await service.post(confirm_path(mail))
    assert "This address asked never to be emailed again" in await refused.text()
    clock.advance(25 * 3600)  # past the one-confirmation-a-day limit: only the do-not-mail entry stops it
    await approved(service, smtpd, notify=True, body="A second question, a day later.")
    await settle(service, smtpd)
    assert mails_to(smtpd, READER) == [mail]


async def test_five_subscriptions_in_an_hour_send_one_confirmation_that_starts_them_all(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    ids = []
    for n in range(5):
        ids.append(await approved(service, smtpd, notify=True, body=f"Question number {n + 1}."))
        clock.advance(600)
    await settle(service, smtpd)
    (mail,) = mails_to(smtpd, READER)
    assert (await service.post(confirm_path(mail))).status == 200
    await approved(service, smtpd, email=OTHER, parent=ids[0], body="An answer to the first.")
    await approved(service, smtpd, email=OTHER, parent=ids[4], body="An answer to the fifth.")
    replies = (await wait_for_mails_to(smtpd, READER, 3))[1:]
    assert sorted("first" in text_of(m) for m in replies) == [False, True]

    # Confirmed once: a later published comment says so, with no second confirmation to make.
    clock.advance(2 * 86400)
    later = await subscribed(service, smtpd, body="One more question.")
    assert line_url(later, "Confirm") is None
    assert "You will get an email when someone replies to it." in text_of(later)


async def test_an_unconfirmed_subscription_expires_after_seven_days(
    service: TestClient, smtpd: SmtpSink, clock: Clock
) -> None:
    mail = await subscribed(service, smtpd)
    clock.advance(7 * 86400 + 1)
    page = await service.get(confirm_path(mail))
    assert page.status == 410 and "This link has expired" in await page.text()
    assert (await service.post(confirm_path(mail))).status == 410


async def test_a_mail_server_that_says_no_such_user_ends_the_addresses_subscriptions(
    service: TestClient, smtpd: SmtpSink
) -> None:
    question = await confirmed(service, smtpd)
    reply = await submit(service, email=OTHER, parent=question)
    await eventually(lambda: len(mails_for(smtpd.messages, reply)) == len(MODERATORS), timeout=15.0)
    smtpd.handler.refusals.append("550 5.1.1 No such user here")  # the next mail is the reply's, to the reader
    await decide(service, smtpd, reply, "approve")
    await settle(service, smtpd)
    assert smtpd.handler.refusals == []
    await approved(service, smtpd, email=OTHER, parent=question, body="After the bounce.")
    await settle(service, smtpd)
    assert len(mails_to(smtpd, READER)) == 1  # the published mail only: the reply bounced, the next was not written


async def test_notify_takes_only_checkbox_values_and_the_form_keeps_it_ticked(service: TestClient) -> None:
    fragment = await (await service.get("/embed", params={"thread": THREAD})).text()
    assert 'name="notify" type="checkbox" value="1">' in fragment  # unticked by default
    assert "Email me when my comment is published and when someone replies" in fragment
    answer = await service.post(
        "/api/comments", json={"thread": THREAD, "name": "A", "email": READER, "body": "Hi", "notify": "maybe"}
    )
    assert answer.status == 422
    assert "notify" in (await answer.json())["errors"]
    page = await service.post(
        "/api/comments",
        data={"thread": THREAD, "name": "A", "email": "not an address", "body": "Hi", "notify": "on"},
    )
    assert page.status == 422
    assert 'name="notify" type="checkbox" value="1" checked>' in await page.text()


async def test_approvals_at_the_same_moment_send_one_confirmation(service: TestClient, smtpd: SmtpSink) -> None:
    ids = [await submit(service, notify=True, body=f"Asked at once, number {n}.") for n in range(4)]
    await eventually(lambda: all(len(mails_for(smtpd.messages, i)) == len(MODERATORS) for i in ids), timeout=15.0)
    links = [link_path(mails_for(smtpd.messages, i)[0], "approve") for i in ids]
    answers = await asyncio.gather(*(service.post(link) for link in links))
    assert [answer.status for answer in answers] == [200] * len(ids)
    await settle(service, smtpd)
    assert len(mails_to(smtpd, READER)) == 1


async def test_links_in_reader_mail_survive_a_new_secret_key(
    service: TestClient,
    smtpd: SmtpSink,
    config: Config,
    clock: Clock,
    aiohttp_client,  # type: ignore[no-untyped-def]
) -> None:
    mail = await subscribed(service, smtpd)
    rotated = await aiohttp_client(
        create_app(config.replace(secret_key="another secret, after a rotation"), clock=clock)
    )
    page = await rotated.get(confirm_path(mail))
    assert page.status == 200 and "Confirm reply notifications</button>" in await page.text()
    done = await rotated.post(confirm_path(mail))
    assert done.status == 200 and "Confirmed" in await done.text()
    stop = await rotated.post(unsubscribe_path(mail), data={"List-Unsubscribe": "One-Click"})
    assert stop.status == 200 and "Unsubscribed" in await stop.text()
