"""A thread's key is one path: no whitespace or control characters, which a mail client would show
as a second link; a bad one is refused before anything looks it up."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from moderation.config import Config
from tests.db import query
from tests.factories import comment_data
from tests.service import FROM_CHECKOUT
from tests.transfer_run import command_env

LINK_IN_KEY = "/post/ Read the story at https://evil.example/story"
SPACED = [
    LINK_IN_KEY,
    "/post/\u00a0https://evil.example/",  # no-break space
    "/post/\u3000https://evil.example/",  # ideographic space
    "/post/\u2009x",  # thin space
    "/post/\u1680x",  # ogham space mark
    "/post/\u205fx",
    "/post/\x85x",  # next line
    "/post/\u2028x",
]
SPACES = "Must not contain spaces, control or invisible characters."
BAD_READ = "Give the page's path as ?thread=/path/ (at most 512 characters)."


async def test_a_submission_whose_thread_holds_whitespace_gets_422_and_nothing_is_stored(
    client: TestClient, config: Config
) -> None:
    for key in SPACED:
        response = await client.post("/api/comments", json=comment_data(thread=key))
        assert response.status == 422, (key, await response.text())
        assert (await response.json())["errors"] == {"thread": SPACES}, key
        form = await client.post("/api/comments", data=comment_data(thread=key), allow_redirects=False)
        assert form.status == 422, key
        assert SPACES in await form.text()
    assert await query(config, "SELECT key FROM threads") == []


async def test_a_lone_surrogate_in_the_thread_gets_422_not_500(client: TestClient, config: Config) -> None:
    for key in ("/a\ud800", "/\udfff/", "/a\udcff b"):
        body = json.dumps(comment_data(thread=key))  # ASCII, with the surrogate as \ud800
        response = await client.post("/api/comments", data=body, headers={"Content-Type": "application/json"})
        assert response.status == 422, (key, await response.text())
        assert (await response.json())["errors"] == {"thread": "Contains characters that are not valid text."}
    assert await query(config, "SELECT COUNT(*) FROM comments") == [(0,)]


@pytest.mark.parametrize(
    "path", ["/api/comments", "/api/comments/counts", "/api/comments/feed", "/embed"], ids=lambda p: p.strip("/")
)
async def test_reads_answer_a_key_with_whitespace_as_any_other_bad_key(client: TestClient, path: str) -> None:
    other_bad = await client.get(path, params={"thread": "no-slash"})
    assert other_bad.status == 400
    for key in SPACED:
        response = await client.get(f"{path}?thread={quote_all(key)}")
        assert response.status == other_bad.status, (path, key, await response.text())
        assert response.content_type == other_bad.content_type
        if response.content_type == "application/json":
            assert (await response.json()).keys() == {"error"}


def quote_all(key: str) -> str:
    """The key percent-encoded byte by byte (a query cannot carry a lone surrogate: its bytes
    arrive as U+FFFD, which is text)."""
    return "".join(f"%{byte:02X}" for byte in key.encode())


@pytest.mark.parametrize("key", [LINK_IN_KEY, "/post/\u00a0x", "/a\tb"])
def test_threads_close_refuses_a_key_with_whitespace_in_one_line(tmp_path: Path, key: str) -> None:
    env = command_env(tmp_path, f"sqlite:///{tmp_path}/comments.sqlite3")
    result = subprocess.run([*FROM_CHECKOUT, "threads", "close", key], env=env, cwd=tmp_path, capture_output=True)
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].endswith("is not a page's path like /how-many-treatments/")
    assert not (tmp_path / "comments.sqlite3").exists()  # refused before the database is opened


def test_threads_open_refuses_a_key_that_is_not_utf8_in_one_line(tmp_path: Path) -> None:
    env = command_env(tmp_path, f"sqlite:///{tmp_path}/comments.sqlite3")
    # Python hands a byte that is not UTF-8 to the program as a lone surrogate (\udcff).
    result = subprocess.run([*FROM_CHECKOUT, "threads", "open", b"/a\xffb"], env=env, cwd=tmp_path, capture_output=True)
    assert result.returncode == 2
    stderr = result.stderr.decode(errors="replace")
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].endswith("is not a page's path like /how-many-treatments/")
