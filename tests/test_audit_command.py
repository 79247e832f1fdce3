"""`moderation audit`: the log as JSON lines, oldest first, run as an operator runs it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from moderation.app import service_links
from moderation.config import Config
from moderation.models import SYSTEM, Action, Channel, CommentStatus, NewComment
from moderation.store import open_store
from tests.conftest import MODERATORS
from tests.service import database_path, run_command, service_env

KEYS = {"comment", "from", "to", "actor", "channel", "reason", "at"}


def new_comment(name: str, status: CommentStatus = CommentStatus.PENDING) -> NewComment:
    return NewComment(
        "/page/",
        "A page",
        name,
        f"{name.lower()}@example.com",
        "",
        f"Hi from {name}",
        f"<p>Hi from {name}</p>",
        "a",
        status=status,
    )


async def write_history(database: Path, at: float) -> list[int]:
    """A comment and its rejection at `at`, then one approved from an email link now."""
    config = Config(database_url=f"sqlite:///{database}")
    then = await open_store(config, links=service_links(config), clock=lambda: at)
    try:
        old = (await then.comments.submit(new_comment("Old"))).id
        await then.comments.decide([old], Action.REJECT, actor=MODERATORS[0], channel=Channel.QUEUE, reason="Off topic")
    finally:
        await then.close()
    now = await open_store(config, links=service_links(config), clock=time.time)
    try:
        recent = (await now.comments.submit(new_comment("Recent"))).id
        await now.comments.decide([recent], Action.APPROVE, actor=MODERATORS[1], channel=Channel.EMAIL_LINK)
    finally:
        await now.close()
    return [old, recent]


def audit(env: dict[str, str], cwd: Path, *args: str) -> list[dict[str, object]]:
    result = run_command(["audit", *args], env, cwd)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


async def test_audit_prints_every_entry_oldest_first_as_json_lines_with_the_specs_keys(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    assert run_command(["migrate"], env, tmp_path).returncode == 0
    two_hours_ago = time.time() - 7200
    old, recent = await write_history(database_path(env), two_hours_ago)

    entries = audit(env, tmp_path)
    assert all(set(entry) == KEYS for entry in entries)
    assert [(e["comment"], e["from"], e["to"], e["actor"], e["channel"], e["reason"]) for e in entries] == [
        (old, None, "pending", SYSTEM, "submission", None),
        (old, "pending", "rejected", MODERATORS[0], "queue", "Off topic"),
        (recent, None, "pending", SYSTEM, "submission", None),
        (recent, "pending", "approved", MODERATORS[1], "email_link", None),
    ]
    stamp = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(two_hours_ago))
    assert str(entries[0]["at"]).startswith(stamp) and str(entries[0]["at"]).endswith("Z")

    assert [e["comment"] for e in audit(env, tmp_path, "--since", "30m")] == [recent, recent]
    assert len(audit(env, tmp_path, "--since", "24h")) == 4
    assert len(audit(env, tmp_path, "--since", "7d")) == 4


async def test_an_empty_log_prints_nothing_and_a_bad_duration_says_what_it_wants(tmp_path: Path) -> None:
    env = service_env(tmp_path)
    empty = run_command(["audit"], env, tmp_path)
    assert (empty.returncode, empty.stdout) == (0, "")
    bad = run_command(["audit", "--since", "a week"], env, tmp_path)
    assert bad.returncode == 2 and "like 30m, 24h or 7d" in bad.stderr
