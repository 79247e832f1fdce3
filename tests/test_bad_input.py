"""Bodies no browser would send, to every form of the service: a clear 400 or 422, never a 5xx,
never an ERROR in the log; signed in or not."""

from __future__ import annotations

import itertools
import json
import logging
from urllib.parse import quote_from_bytes

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.app_keys import config_key, store_key
from moderation.auth import SESSION_IDLE, SESSION_LIFETIME, cookie_name, csrf_token, new_session_cookie, session_key
from tests.conftest import MODERATORS
from tests.moderators import sign_in
from tests.smtp import SmtpSink
from tests.test_openapi import assert_documented, document, json_values

FORM = "application/x-www-form-urlencoded"
# Bodies that are not text in the form's encoding, or forms aiohttp cannot read.
UNREADABLE = [
    pytest.param(b"\xff\xfe=1", FORM, id="raw-bytes"),
    pytest.param(b"email=\xed\xa0\x80", FORM, id="raw-surrogate"),
    pytest.param(b"email=x", f"{FORM}; charset=no-such-charset", id="unknown-charset"),
    pytest.param(
        b'--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
        id="multipart-bytes",
    ),
    pytest.param(
        b"--b\r\nContent-Type: multipart/mixed; boundary=c\r\n\r\n--c--\r\n--b--\r\n",
        "multipart/form-data; boundary=b",
        id="multipart-nested",
    ),
]
# Each form of the service; the queue's need a session, which every request here carries.
FORM_PATHS = ["/queue/login", "/unsubscribe/abc", "/queue/decide", "/queue/reply", "/queue/logout"]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("body, content_type", UNREADABLE)
@pytest.mark.parametrize("path", FORM_PATHS)
async def test_a_form_that_cannot_be_read_is_a_400_page_and_no_error_in_the_log(
    service: TestClient, smtpd: SmtpSink, caplog: pytest.LogCaptureFixture, path: str, body: bytes, content_type: str
) -> None:
    alice = await sign_in(service, smtpd, MODERATORS[0])
    caplog.clear()
    response = await service.post(
        path, data=body, headers=alice.headers(**{"Content-Type": content_type}), allow_redirects=False
    )
    assert response.status == 400, await response.text()
    assert response.content_type == "text/html"
    assert "This form could not be read" in await response.text()
    assert errors_logged(caplog) == []
    assert (await alice.get("/queue")).status == 200  # the session is still there: nothing was done


@pytest.mark.parametrize("after", [f"1.0:{2**63}", f"1.0:{-(2**63) - 1}", f"1.0:{10**30}"])
async def test_a_queue_page_after_an_id_no_database_holds_is_a_400(
    service: TestClient, smtpd: SmtpSink, caplog: pytest.LogCaptureFixture, after: str
) -> None:
    alice = await sign_in(service, smtpd, MODERATORS[0])
    caplog.clear()
    response = await service.get("/queue", params={"after": after}, headers=alice.headers())
    assert response.status == 400
    assert "This page of the queue does not exist." in await response.text()
    assert errors_logged(caplog) == []


# --- fuzz: every POST route of the app, with what no form would send ---------------------------

FIELDS = st.sampled_from(["email", "thread", "name", "body", "website", "id", "csrf", "action"])
bodies = st.one_of(
    st.binary(max_size=200).map(lambda raw: (raw, FORM)),
    st.binary(max_size=200).map(lambda raw: (raw, "multipart/form-data; boundary=b")),
    st.text(alphabet=st.characters(codec=None), max_size=50).map(
        lambda text: (f"email={text}&csrf={text}&id={text}".encode("utf-8", "surrogatepass"), FORM)
    ),
    st.dictionaries(FIELDS, st.sampled_from(["\ud800", "a\udfff", "\udfff\ud800", "/\ud800/"]), min_size=1).map(
        lambda data: (json.dumps(data).encode(), "application/json")
    ),
    st.binary(max_size=60).map(lambda raw: (b"email=" + quote_from_bytes(raw).encode() + b"&body=%ed%a0%80", FORM)),
    st.sampled_from([b"email=%ff%fe", b"\xff\xfe=1", b"%ed%a0%80=%ed%a0%80"]).map(lambda raw: (raw, FORM)),
)


def post_paths(client: TestClient) -> list[str]:
    """The path of every POST route, a made-up token in place of each variable part."""
    paths = set()
    for route in client.app.router.routes():
        if route.method in ("POST", "*") and route.resource is not None:
            info = route.resource.get_info()
            paths.add(info.get("path") or info["formatter"].format_map({"token": "abc", "rest": "x"}))
    return sorted(paths)


# Some of them, to be sure the listing above finds the forms (a route added later is fuzzed too).
KNOWN_FORMS = {*FORM_PATHS, "/api/comments", "/moderate/abc", "/queue/login/abc", "/subscriptions/confirm/abc"}
KNOWN_FORMS |= {"/api/moderation/decide"}


async def new_session(client: TestClient) -> tuple[str, str]:
    """A fresh moderator session, as a sign-in link opens one: (its Cookie header, its csrf)."""
    store, config = client.app[store_key], client.app[config_key]
    cookie = new_session_cookie()
    link = await store.sessions.add_signin_link(MODERATORS[0], config.signin_ttl)
    assert await store.sessions.sign_in(link, session_key(cookie), idle=SESSION_IDLE, lifetime=SESSION_LIFETIME)
    return f"{cookie_name(config)}={cookie}", csrf_token(config.secret_key, cookie)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, signed_in=st.booleans())
async def test_no_form_endpoint_gets_a_5xx_or_an_error_in_the_log_from_any_body(
    service: TestClient, caplog: pytest.LogCaptureFixture, body: tuple[bytes, str], signed_in: bool
) -> None:
    raw, content_type = body
    headers = {"Content-Type": content_type}
    if signed_in:  # with the session's own csrf first, so that a body can get past that check
        cookie, csrf = await new_session(service)
        headers["Cookie"] = cookie
        raw = f"csrf={csrf}&".encode() + raw if content_type == FORM else raw
    paths = post_paths(service)
    assert KNOWN_FORMS <= set(paths)
    for path in paths:
        caplog.clear()
        response = await service.post(path, data=raw, headers=headers, allow_redirects=False)
        text = await response.text()
        assert response.status < 500, (path, raw, text)
        assert "Traceback" not in text and 'File "' not in text
        assert errors_logged(caplog) == [], (path, raw)


# --- fuzz: the moderation API's decisions, with a valid token, so that bodies reach the checks ---

_tokens = itertools.count(1)
decisions = st.dictionaries(
    st.sampled_from(["action", "ids", "reason"]) | st.text(max_size=5),
    st.sampled_from(["approve", "reject", "spam", "restore", "\ud800", "\x00"])
    | st.lists(st.integers() | st.booleans() | st.floats() | st.text(max_size=5) | st.none(), max_size=4)
    | json_values,
    max_size=4,
).map(lambda data: (json.dumps(data).encode(), "application/json"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=decisions | bodies)
async def test_no_moderation_api_decision_gets_a_5xx_an_undocumented_answer_or_an_error_in_the_log(
    service: TestClient, caplog: pytest.LogCaptureFixture, body: tuple[bytes, str]
) -> None:
    raw, content_type = body
    token = await service.app[store_key].api_tokens.create(f"fuzz-{next(_tokens)}")
    caplog.clear()
    response = await service.post(
        "/api/moderation/decide",
        data=raw,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    assert response.status < 500, (raw, await response.text())
    await assert_documented(await document(service), "/api/moderation/decide", "post", response)
    assert errors_logged(caplog) == [], raw
