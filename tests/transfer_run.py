"""`moderation import` and `export` as an operator runs them, against a test's database."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import SITE, TEST_DATA_KEYS, TEST_INDEX_KEY
from tests.service import run_command, service_env


def command_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    # The keys of the tests' own apps (make_config), which wrote the same database.
    env = service_env(
        tmp_path, DATABASE_URL=database_url, ALLOWED_ORIGINS=SITE, DATA_KEYS=TEST_DATA_KEYS, INDEX_KEY=TEST_INDEX_KEY
    )
    env["TZ"] = "Pacific/Chatham"  # +12:45 or +13:45: any slip from UTC shows
    return env


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_command(list(args), env, cwd, timeout=60)


def report(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress counter when nobody watches a terminal
    return result.stdout.splitlines()


async def thread(client: TestClient, key: str) -> dict[str, Any]:
    response = await client.get("/api/comments", params={"thread": key})
    assert response.status == 200
    answer: dict[str, Any] = await response.json()
    return answer


def shape(comments: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    """(name, parent's name, body_html, created): what readers see, without our ids."""
    names = {c["id"]: c["name"] for c in comments}
    return [(c["name"], names.get(c["parent"]), c["body_html"], c["created"]) for c in comments]
