"""`moderation import --format disqus`: pages, spam, deletions, replies, hosts, times, HTML."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from moderation.config import Config
from moderation.models import CLI, Channel
from moderation.store import Store
from moderation.tokens import avatar_key
from tests.service import SECRET_KEY
from tests.smtp import SmtpSink
from tests.transfer_files import disqus, disqus_post, disqus_thread
from tests.transfer_run import command_env, report, run, shape, thread

PAGE = "/how-many-ketamine-treatments/"


def export_file(tmp_path: Path) -> Path:
    # Posts before their pages, a reply before its parent: file order must not matter.
    return disqus(
        tmp_path / "disqus.xml",
        disqus_post("12", "1", "<p>Thanks, same here.</p>", parent="10", name="Sam", email="sam@example.com"),
        disqus_post("11", "1", "<p>Gone.</p>", parent="10", deleted=True),
        disqus_post("13", "1", "<p>Replying to a deleted one.</p>", parent="11", name="Kit", email=""),
        disqus_post(
            "10",
            "1",
            '<p>Six <b>sessions</b> <script>alert(1)</script><a href="javascript:alert(2)">here</a></p>'
            '<p><a href="https://example.org/study">a study</a> &amp; more</p>',
            created="2019-06-01T23:30:00Z",
        ),
        disqus_post("14", "1", "<p>Cheap pills</p>", spam=True, name="Spammer", email="spam@example.net"),
        disqus_post("15", "2", "<p>On staging</p>"),
        disqus_post("17", "3", "<p>Answering on another page</p>", parent="10", name="Ora"),
        disqus_post("16", "3", "<p>" + "long " * 200 + "</p>", name="N" * 150),
        disqus_post("18", "3", "<p>" + "long " * 2500 + "</p>", name="Over"),
        disqus_thread("1", f"https://blog.clinic.example{PAGE}?utm_source=x#comments", "How many treatments?"),
        disqus_thread("2", "https://staging.clinic.example/test/", "Staging"),
        disqus_thread("3", "https://blog.clinic.example/caf\u00e9 notes", "Café"),
    )


async def test_disqus_import_publishes_keeps_spam_skips_deleted_and_says_so(
    client: TestClient, config: Config, store: Store, smtpd: SmtpSink, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    source = export_file(tmp_path)

    assert report(run(env, tmp_path, "import", "--format", "disqus", str(source))) == [
        "imported: 6 (5 approved, 1 spam)",
        "already present: 0",
        "skipped: 2 (1 deleted, 1 invalid)",
        "re-parented (parent skipped or on another page): 2",
        "foreign hosts, skipped: staging.clinic.example (1)",
        "names shortened to 100 characters: 1",
        # Over a submission's limit: refused, as it would be from a reader.
        "skipped post 9: body: Please keep this to 10,000 characters or fewer.",
    ]

    page = await thread(client, PAGE)
    # In the file's order, each reply under its parent (the widget nests them by parent).
    assert shape(page["comments"]) == [
        ("Sam", "Dana", "<p>Thanks, same here.</p>", "2019-06-01T10:00:00Z"),
        ("Kit", "Dana", "<p>Replying to a deleted one.</p>", "2019-06-01T10:00:00Z"),
        (
            "Dana",
            None,
            # Tags ours do not allow go, their text stays; scripts and unsafe links go entirely.
            '<p>Six sessions <a rel="nofollow ugc noopener">here</a></p>'
            '<p><a href="https://example.org/study" rel="nofollow ugc noopener">a study</a> &amp; more</p>',
            "2019-06-01T23:30:00Z",
        ),
    ]
    first = page["comments"][2]
    assert "script" not in first["body_html"] and "javascript" not in first["body_html"]
    assert first["avatar"] == avatar_key(SECRET_KEY, "dana@example.com")
    assert all(c["name"] != "Spammer" for c in page["comments"])  # spam stays unpublished
    long = await thread(client, "/caf%C3%A9%20notes")
    assert [(len(c["name"]), c["parent"]) for c in long["comments"]] == [(3, None), (100, None)]
    assert (await thread(client, "/test/"))["count"] == 0

    entries = await store.comments.audit_log(0)
    assert len(entries) == 6 and {(e.actor, e.channel, e.from_status) for e in entries} == {(CLI, Channel.IMPORT, None)}
    shortened = await store.comments.get(long["comments"][1]["id"])
    assert shortened is not None and shortened.name == "N" * 99 + "…" and shortened.body == ("long " * 200).strip()

    again = report(run(env, tmp_path, "import", "--format", "disqus", str(source)))
    assert again[:2] == ["imported: 0", "already present: 6"]
    assert await thread(client, PAGE) == page
    assert smtpd.messages == []  # an import sends no mail, to moderators or readers
