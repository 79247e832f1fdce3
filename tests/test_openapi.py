"""/api/openapi.json tells the truth, and no input makes the submission endpoint fail or leak."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from moderation.app_keys import store_key
from moderation.models import ByHand
from tests.factories import comment_data, publish
from tests.smtp import SmtpSink

CANARY = "fuzz.canary.55e1@example.com"
FIELDS = ["thread", "name", "email", "website", "body", "parent", "title", "issued", "homepage", "return_to"]


async def document(client: TestClient) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    return dict(await response.json())


async def assert_documented(doc: dict[str, Any], path: str, method: str, response: ClientResponse) -> None:
    """The status is documented for this operation, and a JSON body matches its schema."""
    responses = doc["paths"][path][method]["responses"]
    assert str(response.status) in responses, f"{method.upper()} {path} answered an undocumented {response.status}"
    content = responses[str(response.status)].get("content", {})
    if response.content_type == "application/json":
        schema = content["application/json"]["schema"]
        Draft202012Validator({**schema, "components": doc["components"]}).validate(await response.json())
    else:
        assert response.content_type in content or not content, response.content_type


async def test_every_api_route_is_documented_and_every_documented_path_exists(client: TestClient) -> None:
    doc = await document(client)
    Draft202012Validator.check_schema(doc["components"]["schemas"]["Submission"])
    served = {
        (route.resource.canonical, route.method.lower())
        for route in client.app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith("/api/")
        and route.method not in ("HEAD", "OPTIONS")
        and route.resource.canonical != "/api/openapi.json"
    }
    documented = {(path, method) for path, operations in doc["paths"].items() for method in operations}
    assert served == documented


async def test_answers_match_the_documented_schemas(client: TestClient, smtpd: SmtpSink) -> None:
    doc = await document(client)
    parent = await publish(client, smtpd, website="https://a.example")
    await publish(client, smtpd, parent=parent)
    thread = comment_data()["thread"]
    checks = [
        ("/api/comments", "post", client.post("/api/comments", json=comment_data())),
        ("/api/comments", "post", client.post("/api/comments", json={"name": ""})),
        (
            "/api/comments",
            "post",
            client.post("/api/comments", data=b"{", headers={"Content-Type": "application/json"}),
        ),
        ("/api/comments", "post", client.post("/api/comments", json=comment_data(body="x" * 70_000))),
        (
            "/api/comments",
            "post",
            client.post("/api/comments", json=comment_data(), headers={"Origin": "https://x.example"}),
        ),
        ("/api/comments", "post", client.post("/api/comments", data=comment_data(), allow_redirects=False)),
        ("/api/comments", "get", client.get("/api/comments", params={"thread": thread})),
        ("/api/comments", "get", client.get("/api/comments", params={"thread": "nope"})),
        ("/api/comments/counts", "get", client.get("/api/comments/counts", params={"thread": thread})),
        ("/api/comments/counts", "get", client.get("/api/comments/counts")),
        ("/api/comments/feed", "get", client.get("/api/comments/feed", params={"thread": thread})),
        ("/api/comments/feed", "get", client.get("/api/comments/feed")),
        ("/api/comments/form", "get", client.get("/api/comments/form")),
    ]
    # A closed thread: its listing says so, and a post to it is refused with a documented answer.
    await client.app[store_key].threads.set_by_hand("/closed/", ByHand.CLOSED)
    checks += [
        ("/api/comments", "get", client.get("/api/comments", params={"thread": "/closed/"})),
        ("/api/comments", "post", client.post("/api/comments", json=comment_data(thread="/closed/"))),
    ]
    seen = set()
    for path, method, request in checks:
        response = await request
        seen.add(response.status)
        await assert_documented(doc, path, method, response)
    assert {200, 202, 303, 400, 403, 413, 422} <= seen
    listed = await (await client.get("/api/comments", params={"thread": thread})).json()
    assert len(listed["comments"]) == 2  # the schema check above saw real comments, not an empty list
    assert listed["closed"] is False
    closed = await client.get("/api/comments", params={"thread": "/closed/"})
    assert (await closed.json())["closed"] is True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
# Mostly the real field names, so that fuzzing reaches the validation and the store.
submissions = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8),
    st.text(alphabet=st.characters(codec=None), max_size=300) | json_values | st.just(CANARY),
    max_size=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=submissions)
async def test_no_json_submission_gets_a_5xx_an_undocumented_answer_or_an_address_back(
    client: TestClient, data: dict[str, Any]
) -> None:
    doc = await document(client)
    body = json.dumps(data).encode()  # may carry lone surrogates, as "\\ud800" escapes
    response = await client.post("/api/comments", data=body, headers={"Content-Type": "application/json"})
    assert response.status < 500
    await assert_documented(doc, "/api/comments", "post", response)
    assert CANARY not in await response.text()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=600),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data", ""]
    ),
)
async def test_no_raw_body_gets_a_5xx_or_a_trace(client: TestClient, body: bytes, content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.post("/api/comments", data=body, headers=headers)
    assert response.status < 500
    text = await response.text()
    assert "Traceback" not in text and 'File "' not in text
