"""`moderation import --format wxr|isso`: statuses, pingbacks, deletions, page mapping, Markdown."""

from __future__ import annotations

import contextlib
import os
import pty
import subprocess
from pathlib import Path

from aiohttp.test_utils import TestClient

from moderation.config import Config
from moderation.models import CommentStatus
from moderation.search import Listing
from moderation.store import Store
from tests.conftest import SITE
from tests.service import FROM_CHECKOUT
from tests.transfer_files import isso, wxr, wxr_comment, wxr_item
from tests.transfer_run import command_env, report, run, shape, thread


async def test_wordpress_publishes_approved_queues_pending_and_skips_trash_and_pingbacks(
    client: TestClient, config: Config, store: Store, tmp_path: Path
) -> None:
    source = wxr(
        tmp_path / "wordpress.xml",
        wxr_item(
            "http://old.clinic.example/blog/ketamine/",
            "Ketamine",
            wxr_comment("1", "First line\nsecond line\n\nA new paragraph & <em>more</em>"),
            wxr_comment("2", "Trashed", approved="trash"),
            wxr_comment("3", "Under the trashed one", parent="2", name="Rae"),
            wxr_comment("4", "Waiting", approved="0", name="Pat"),
            wxr_comment("5", "[...] linked here [...]", kind="pingback"),
            wxr_comment("6", "Seen elsewhere", kind="trackback"),
            wxr_comment("7", "Buy now", approved="spam", name="Bot"),
            wxr_comment("8", "Only local time", gmt="0000-00-00 00:00:00", local="2010-05-06 07:08:09"),
        ),
        version="1.0",
    )
    env = command_env(tmp_path, config.database_url)
    args = ["import", "--format", "wxr", str(source), "--trailing-slash", "strip"]
    args += ["--map-prefix", "http://old.clinic.example/blog/=https://blog.clinic.example/articles/"]

    assert report(run(env, tmp_path, *args)) == [
        "imported: 5 (3 approved, 1 pending, 1 spam)",
        "already present: 0",
        "skipped: 3 (2 pingback or trackback, 1 trash)",
        "re-parented (parent skipped or on another page): 1",
        "foreign hosts, skipped: none",
    ]
    page = await thread(client, "/articles/ketamine")
    assert shape(page["comments"]) == [  # oldest first
        ("Ellis", None, "<p>Only local time</p>", "2010-05-06T07:08:09Z"),
        (
            "Ellis",
            None,
            "<p>First line<br>\nsecond line</p><p>A new paragraph &amp; <em>more</em></p>",
            "2018-01-02T03:04:05Z",
        ),
        ("Rae", None, "<p>Under the trashed one</p>", "2018-01-02T03:04:05Z"),
    ]
    queue = await store.comments.queue(Listing(CommentStatus.PENDING), None, 10)
    assert [(c.name, c.body, c.thread) for c in queue.comments] == [("Pat", "Waiting", "/articles/ketamine")]
    converted = await store.comments.get(page["comments"][1]["id"])
    assert converted is not None and converted.body == "First line\nsecond line\n\nA new paragraph & more"
    assert report(run(env, tmp_path, *args))[:2] == ["imported: 0", "already present: 5"]


async def test_isso_publishes_approved_queues_pending_and_moves_replies_of_deleted_ones_up(
    client: TestClient, config: Config, store: Store, tmp_path: Path
) -> None:
    source = isso(
        tmp_path / "comments.db",
        [(1, "/isso/page/", "A page"), (2, "/other/", None)],  # type: ignore[list-item]
        [
            (
                1,
                1,
                None,
                1_560_000_000.5,
                1,
                "Some *emphasis* and a [link](https://example.org)",
                "Lee",
                "lee@x.org",
                "",
            ),
            (1, 2, 1, 1_560_000_100.0, 4, "deleted", "", "", ""),
            (1, 3, 2, 1_560_000_200.0, 1, "Reply to a deleted one", "Mo", "", "https://mo.example"),
            (1, 4, None, 1_560_000_300.0, 2, "Pending", "Quinn", "q@x.org", ""),
            (2, 5, None, 1_560_000_400.0, 1, "<script>x</script>Text", None, None, "javascript:alert(1)"),
        ],
    )
    env = command_env(tmp_path, config.database_url)
    assert report(run(env, tmp_path, "import", "--format", "isso", str(source))) == [
        "imported: 4 (3 approved, 1 pending)",
        "already present: 0",
        "skipped: 1 (1 deleted)",
        "re-parented (parent skipped or on another page): 1",
        "foreign hosts, skipped: none",
    ]
    page = await thread(client, "/isso/page/")
    assert shape(page["comments"]) == [
        (
            "Lee",
            None,
            '<p>Some <em>emphasis</em> and a <a href="https://example.org" rel="nofollow ugc noopener">link</a></p>',
            "2019-06-08T13:20:00Z",
        ),
        ("Mo", "Lee", "<p>Reply to a deleted one</p>", "2019-06-08T13:23:20Z"),
    ]
    assert page["comments"][1]["website"] == "https://mo.example"
    other = (await thread(client, "/other/"))["comments"]
    assert [(c["name"], c["website"], c["body_html"]) for c in other] == [
        ("Anonymous", None, "<p>&lt;script&gt;x&lt;/script&gt;Text</p>")
    ]
    assert report(run(env, tmp_path, "import", "--format", "isso", str(source)))[:2] == [
        "imported: 0",
        "already present: 4",
    ]


async def test_an_import_on_a_terminal_shows_its_progress(config: Config, tmp_path: Path) -> None:
    source = wxr(
        tmp_path / "wordpress.xml",
        wxr_item(
            f"{SITE}/p/", "P", wxr_comment("1", "One"), wxr_comment("2", "Two"), wxr_comment("3", "x", kind="pingback")
        ),
    )
    env = command_env(tmp_path, config.database_url)
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [*FROM_CHECKOUT, "import", "--format", "wxr", str(source)],
            env=env,
            cwd=tmp_path,
            stdout=terminal,
            stderr=terminal,
            timeout=60,
        )
        os.close(terminal)
        shown = b""
        with contextlib.suppress(OSError):  # the end of a pty's output reads as an error
            while chunk := os.read(controller, 4096):
                shown += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0
    text = shown.decode()
    assert "read: 3" in text and "written: 2" in text and "imported: 2 (2 approved)" in text
