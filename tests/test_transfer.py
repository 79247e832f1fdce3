"""Export, and reading it back; hostile XML refused before anything is written."""

from __future__ import annotations

import dataclasses
import json
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from moderation.app import create_app
from moderation.config import Config
from moderation.models import CommentStatus, ExportedComment
from moderation.store import Store
from moderation.store.imports import ImportedComment
from tests.conftest import SITE
from tests.transfer_files import DISQUS_HEAD, disqus, disqus_post, disqus_thread, wxr, wxr_comment, wxr_item
from tests.transfer_run import command_env, report, run, shape, thread

PAGES = ("/one/", "/two/")

KEYS = {"id", "thread", "title", "parent", "status", "name", "website", "avatar", "body", "body_html", "created"}


async def test_export_then_import_into_an_empty_database_gives_the_same_public_answers(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    source = wxr(
        tmp_path / "wordpress.xml",
        wxr_item(
            f"{SITE}/one/",
            "One",
            wxr_comment("1", "Hello <em>there</em>\n\nTwo lines"),
            wxr_comment("2", "A reply", parent="1", name="Rae", email="rae@example.com"),
            wxr_comment("3", "Waiting", approved="0", name="Pat", gmt="2018-02-03 04:05:06"),
        ),
        wxr_item(f"{SITE}/two/", "Two", wxr_comment("4", "Spam", approved="spam"), wxr_comment("5", "Plain", email="")),
    )
    report(run(env, tmp_path, "import", "--format", "wxr", str(source)))
    # A comment submitted here, not imported, travels too.
    posted = await client.post(
        "/api/comments",
        json={"thread": "/two/", "name": "Ana", "email": "ana@example.com", "body": "Mine **too**"},
        headers={"Origin": SITE},
    )
    assert posted.status in (200, 201, 202)
    before = {page: await thread(client, page) for page in PAGES}

    plain = run(env, tmp_path, "export")
    assert plain.returncode == 0, plain.stderr
    header, *lines = [json.loads(line) for line in plain.stdout.splitlines()]
    assert header["format"] == "moderation-export" and header["version"] == 1
    assert [(line["name"], line["status"]) for line in lines] == [
        ("Ellis", "approved"),
        ("Rae", "approved"),
        ("Pat", "pending"),
        ("Ellis", "spam"),
        ("Ellis", "approved"),
        ("Ana", "pending"),
    ]
    assert all(set(line) == KEYS | {"decided"} for line in lines)  # no address, no subscription
    assert lines[1]["parent"] == lines[0]["id"] and lines[2]["created"] == "2018-02-03T04:05:06Z"

    saved = tmp_path / "export.jsonl"
    with_email = run(env, tmp_path, "export", "--include-email", "-o", str(saved))
    assert with_email.stdout.strip() == f"exported 6 comments to {saved} (with addresses: readable by its owner only)"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert [json.loads(line).get("email") for line in saved.read_text().splitlines()[1:]] == [
        "ellis@example.com",
        "rae@example.com",
        "ellis@example.com",
        "",  # spam from 2018: retention has already erased its address, as for any old spam
        "",
        "ana@example.com",
    ]
    assert "addresses are on standard output" in run(env, tmp_path, "export", "--include-email").stderr

    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    fresh = command_env(fresh_dir, f"sqlite:///{fresh_dir}/comments.sqlite3")
    assert report(run(fresh, fresh_dir, "import", "--format", "jsonl", str(saved)))[:2] == [
        "imported: 6 (3 approved, 2 pending, 1 spam)",
        "already present: 0",
    ]
    assert report(run(fresh, fresh_dir, "import", "--format", "jsonl", str(saved)))[:1] == ["imported: 0"]
    again = run(fresh, fresh_dir, "export", "--include-email")
    moved = [json.loads(line) for line in again.stdout.splitlines()[1:]]
    strip = ("id", "parent")
    assert sorted(json.dumps({k: v for k, v in m.items() if k not in strip}) for m in moved) == sorted(
        json.dumps({k: v for k, v in json.loads(line).items() if k not in strip})
        for line in saved.read_text().splitlines()[1:]
    )
    # The fresh database, served: every page answers as the old one did.
    fresh_config = config.replace(database_url=f"sqlite:///{fresh_dir}/comments.sqlite3")
    async with TestClient(TestServer(create_app(fresh_config))) as other:
        for page in PAGES:
            after = await thread(other, page)
            assert shape(after["comments"]) == shape(before[page]["comments"])
            assert [(c["avatar"], c["website"]) for c in after["comments"]] == [
                (c["avatar"], c["website"]) for c in before[page]["comments"]
            ]


async def test_xml_with_entities_is_refused_and_nothing_is_imported(config: Config, tmp_path: Path) -> None:
    env = command_env(tmp_path, config.database_url)
    bomb = tmp_path / "bomb.xml"
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY lol0 "lol">{laughs}]>\n'
        + DISQUS_HEAD.split("\n", 1)[1]
        + disqus_thread("1", f"{SITE}/p/", "P")
        + disqus_post("1", "1", "&lol9;")
        + "</disqus>"
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("the contents of a private file")
    external = tmp_path / "external.xml"
    external.write_text(
        f'<?xml version="1.0"?><!DOCTYPE disqus [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>\n'
        + DISQUS_HEAD.split("\n", 1)[1]
        + disqus_thread("1", f"{SITE}/p/", "P")
        + disqus_post("1", "1", "&leak;")
        + "</disqus>"
    )
    for hostile in (bomb, external):
        result = run(env, tmp_path, "import", "--format", "disqus", str(hostile))
        assert result.returncode == 1
        assert result.stderr.startswith("moderation: cannot import: ") and "Traceback" not in result.stderr
    fine = disqus(tmp_path / "fine.xml", disqus_thread("1", f"{SITE}/p/", "P"))
    assert report(run(env, tmp_path, "import", "--format", "disqus", str(fine)))[0] == "imported: 0"
    assert "private file" not in run(env, tmp_path, "export").stdout


async def test_a_file_that_is_not_an_export_is_refused_and_a_damaged_line_is_reported(
    config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text('{"format": "moderation-export", "version": 1}\n{"id": 1, "thread": "/a/"}\n')
    result = run(env, tmp_path, "import", "--format", "jsonl", str(damaged))
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[0] == "imported: 0"
    assert result.stdout.splitlines()[-1] == "skipped line 2: status: missing"
    other = tmp_path / "other.jsonl"
    other.write_text('{"format": "something-else"}\n')
    result = run(env, tmp_path, "import", "--format", "jsonl", str(other))
    assert result.stderr == f"moderation: cannot import: {other} is not a moderation-export file of version 1\n"


async def test_imported_comments_are_listed_oldest_first_whatever_the_file_order(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    def line(id_: int, created: str, parent: int | None = None) -> str:
        return json.dumps(
            {"id": id_, "thread": "/one/", "parent": parent, "status": "approved", "name": f"N{id_}"}
            | {"body_html": f"<p>{id_}</p>", "created": created}
        )

    source = tmp_path / "unordered.jsonl"
    header = json.dumps({"format": "moderation-export", "version": 1})
    source.write_text(
        "\n".join(
            [
                header,
                line(3, "2021-03-01T00:00:00Z", parent=1),  # a reply before its parent
                line(1, "2019-01-01T00:00:00Z"),
                line(2, "2020-06-01T00:00:00Z"),
                line(4, "2019-01-01T00:00:00Z"),  # as old as the first: the one imported first leads
                line(5, "2018-12-31T23:59:59Z"),
            ]
        )
        + "\n"
    )
    report(run(command_env(tmp_path, config.database_url), tmp_path, "import", "--format", "jsonl", str(source)))
    comments = (await thread(client, "/one/"))["comments"]
    assert [(c["name"], c["created"]) for c in comments] == [
        ("N5", "2018-12-31T23:59:59Z"),
        ("N1", "2019-01-01T00:00:00Z"),
        ("N4", "2019-01-01T00:00:00Z"),
        ("N2", "2020-06-01T00:00:00Z"),
        ("N3", "2021-03-01T00:00:00Z"),
    ]
    assert comments[-1]["parent"] == comments[1]["id"]
    # The site's feed lists them newest first, by the same times.
    feed = await client.get("/api/comments/feed")
    entries = ET.fromstring(await feed.read()).findall("{http://www.w3.org/2005/Atom}entry")
    assert [entry.findtext("{http://www.w3.org/2005/Atom}content") for entry in entries] == [
        f"<p>{n}</p>" for n in (3, 2, 4, 1, 5)
    ]


async def test_an_export_page_gives_each_comment_by_name_with_its_address_opened(store: Store) -> None:
    imported = ImportedComment(
        source_id="wp-1",
        thread="/one/",
        title="One",
        parent=None,
        name="Rae",
        email="rae@example.com",
        website="https://rae.example",
        avatar="",
        body="A reply",
        body_html="<p>A reply</p>",
        status=CommentStatus.APPROVED,
        created=1_500_000_000.0,
        decided=1_500_000_100.0,
    )
    (first,) = await store.imports.import_comments("wxr", [imported])
    (second,) = await store.imports.import_comments(
        "wxr", [dataclasses.replace(imported, source_id="wp-2", parent=first)]
    )
    page = await store.exports.page(0, 10, [])
    first_row = ExportedComment(
        id=first,
        thread="/one/",
        title="One",
        parent=None,
        status=CommentStatus.APPROVED,
        name="Rae",
        email="rae@example.com",
        website="https://rae.example",
        avatar="",
        body="A reply",
        body_html="<p>A reply</p>",
        created=1_500_000_000.0,
        decided=1_500_000_100.0,
    )
    assert page == [first_row, dataclasses.replace(first_row, id=second, parent=first)]
    assert [comment.id for comment in await store.exports.page(first, 10, ["approved"])] == [second]
    assert await store.exports.page(0, 10, ["pending"]) == []
