"""The whole path: submit, every moderator is emailed, a link decides, the page shows it."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from itsdangerous import URLSafeTimedSerializer

from moderation.config import Config
from moderation.models import Action
from moderation.store import Store
from moderation.tokens import LinkSigner
from tests import db
from tests.conftest import MODERATORS, PUBLIC_URL
from tests.factories import comment_data, submit
from tests.smtp import SmtpSink, link_path, mails_for, text_of


async def approved_names(client: TestClient, thread: str = "/how-many-ketamine-treatments/") -> list[str]:
    response = await client.get("/api/comments", params={"thread": thread})
    assert response.status == 200
    return [c["name"] for c in (await response.json())["comments"]]


async def test_submitted_comment_waits_emails_every_moderator_and_appears_once_approved(
    client: TestClient, smtpd: SmtpSink
) -> None:
    comment_id = await submit(client, name="Dana Reader")
    assert await approved_names(client) == []

    mails = mails_for(await smtpd.wait_for(2), comment_id)
    assert sorted(str(m["To"]) for m in mails) == sorted(MODERATORS)
    text = text_of(mails[0])
    assert "Dana Reader" in text and "dana.reader@example.com" in text
    assert f"Approve: {PUBLIC_URL}/moderate/" in text and f"Reject: {PUBLIC_URL}/moderate/" in text

    response = await client.post(link_path(mails[0], "approve"))
    assert response.status == 200
    assert "Comment approved" in await response.text()
    assert await approved_names(client) == ["Dana Reader"]


async def test_get_on_a_link_shows_a_confirmation_form_and_changes_nothing(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    mail = mails_for(await smtpd.wait_for(2), comment_id)[0]
    for action in ("approve", "reject"):
        for _ in range(3):  # scanners open links more than once
            response = await client.get(link_path(mail, action))
            assert response.status == 200
            page = await response.text()
            assert page.count('<form method="post">') == 1
    assert await approved_names(client) == []
    response = await client.post(link_path(mail, "reject"))
    assert "Comment rejected" in await response.text()


async def test_approve_then_reject_keeps_it_approved_and_says_so(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    alice, bob = mails_for(await smtpd.wait_for(2), comment_id)
    assert (await client.post(link_path(alice, "approve"))).status == 200

    response = await client.post(link_path(bob, "reject"))
    assert response.status == 200
    assert "already approved" in await response.text()
    assert len(await approved_names(client)) == 1


async def test_reject_then_approve_keeps_it_rejected_and_says_so(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    alice, bob = mails_for(await smtpd.wait_for(2), comment_id)
    assert (await client.post(link_path(alice, "reject"))).status == 200

    response = await client.post(link_path(bob, "approve"))
    assert response.status == 200
    assert "already rejected" in await response.text()
    assert await approved_names(client) == []
    confirm = await client.get(link_path(bob, "approve"))
    assert "already rejected" in await confirm.text() and "<form" not in await confirm.text()


async def test_same_link_twice_changes_nothing_the_second_time(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    path = link_path(mails_for(await smtpd.wait_for(2), comment_id)[0], "approve")
    assert "Comment approved" in await (await client.post(path)).text()
    second = await client.post(path)
    assert second.status == 200
    assert "already approved" in await second.text()
    counts = await client.get("/api/comments/counts", params={"thread": "/how-many-ketamine-treatments/"})
    assert await counts.json() == {"/how-many-ketamine-treatments/": 1}


async def test_forged_and_altered_tokens_are_forbidden(client: TestClient, smtpd: SmtpSink, config) -> None:  # type: ignore[no-untyped-def]
    comment_id = await submit(client)
    path = link_path(mails_for(await smtpd.wait_for(2), comment_id)[0], "approve")
    token = path.rsplit("/", 1)[1]
    payload, timestamp, signature = token.split(".")
    forged = LinkSigner("another secret", config.link_ttl).mint(comment_id, Action.APPROVE, MODERATORS[0])
    altered_signature = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    reject_payload = LinkSigner(config.secret_key, 1).mint(comment_id, Action.REJECT, MODERATORS[0]).split(".")[0]
    for bad in (
        forged,
        f"{payload}.{timestamp}.{altered_signature}",
        f"{reject_payload}.{timestamp}.{signature}",  # swapped action, kept signature
        "not-a-token",
    ):
        for method in (client.get, client.post):
            response = await method(f"/moderate/{bad}")
            assert response.status == 403, bad
            assert "not valid" in await response.text()
    assert await approved_names(client) == []


async def test_expired_link_is_gone_and_changes_nothing(client: TestClient, config) -> None:  # type: ignore[no-untyped-def]
    comment_id = await submit(client)
    import time

    minted_long_ago = LinkSigner(config.secret_key, config.link_ttl, clock=lambda: time.time() - config.link_ttl - 5)
    token = minted_long_ago.mint(comment_id, Action.APPROVE, MODERATORS[0])
    for method in (client.get, client.post):
        response = await method(f"/moderate/{token}")
        assert response.status == 410
        assert "expired" in await response.text()
    assert await approved_names(client) == []


async def test_link_of_a_moderator_no_longer_listed_is_refused(aiohttp_client, tmp_path, smtpd: SmtpSink) -> None:  # type: ignore[no-untyped-def]
    from moderation.app import create_app
    from tests.conftest import make_config

    client = await aiohttp_client(create_app(make_config(tmp_path, smtpd.port)))
    comment_id = await submit(client)
    token = LinkSigner("a test secret that is long enough", 3600).mint(comment_id, Action.APPROVE, "mallory@x.example")
    response = await client.post(f"/moderate/{token}")
    assert response.status == 403
    assert await approved_names(client) == []


async def test_moderation_pages_are_not_cached_referred_or_framed(client: TestClient, smtpd: SmtpSink) -> None:
    comment_id = await submit(client)
    path = link_path(mails_for(await smtpd.wait_for(2), comment_id)[0], "approve")
    for response in (await client.get(path), await client.post(path), await client.get("/moderate/forged")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_replies_need_an_approved_parent_in_the_same_thread(client: TestClient, smtpd: SmtpSink) -> None:
    pending = await submit(client)
    response = await client.post("/api/comments", json=comment_data(parent=pending))
    assert response.status == 422
    assert "parent" in (await response.json())["errors"]

    mail = mails_for(await smtpd.wait_for(2), pending)[0]
    await client.post(link_path(mail, "approve"))
    other_thread = await client.post("/api/comments", json=comment_data(parent=pending, thread="/another-page/"))
    assert other_thread.status == 422
    reply = await client.post("/api/comments", json=comment_data(parent=pending, name="Replying Reader"))
    assert reply.status == 202


async def test_link_to_a_comment_removed_since_answers_gone_not_forged(
    client: TestClient, smtpd: SmtpSink, store: Store
) -> None:
    comment_id = await submit(client, email="leaving.reader@example.com")
    path = link_path(mails_for(await smtpd.wait_for(2), comment_id)[0], "approve")
    assert (await store.comments.forget("leaving.reader@example.com")).comments == 1

    for method in (client.get, client.post):
        response = await method(path)
        assert response.status == 410
        assert response.content_type == "text/html"
        assert "This comment was removed." in await response.text()
    assert await approved_names(client) == []


async def test_links_minted_before_digests_still_work_and_count_as_email_links(
    client: TestClient, config: Config
) -> None:
    comment_id = await submit(client)
    # A token as every email link had it before digests: (comment, action, moderator's key).
    signer = LinkSigner(config.secret_key, config.link_ttl)
    old = URLSafeTimedSerializer(config.secret_key, salt="moderate").dumps(
        [comment_id, "approve", signer.moderator_key(MODERATORS[1])]
    )
    assert (await client.post(f"/moderate/{old}")).status == 200
    assert await approved_names(client) == ["Dana Reader"]
    (last,) = await db.query(
        config, "SELECT actor, channel FROM audit_log WHERE comment_id = ? ORDER BY id DESC LIMIT 1", comment_id
    )
    assert last == (MODERATORS[1], "email_link")
