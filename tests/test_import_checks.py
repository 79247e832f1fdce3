"""`moderation import` checks every comment as a submission is checked: a bad one is a report line
naming its position and what is wrong, and is skipped; the rest imports; never a traceback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient

from moderation.config import Config
from tests.conftest import SITE
from tests.db import query
from tests.service import FROM_CHECKOUT
from tests.transfer_files import (
    DISQUS_HEAD,
    disqus,
    disqus_post,
    disqus_thread,
    isso,
    wxr,
    wxr_comment,
    wxr_item,
)
from tests.transfer_run import command_env, run, thread

HEADER = json.dumps({"format": "moderation-export", "version": 1})


def line(id_: object, **fields: object) -> str:
    comment = {
        "id": id_,
        "thread": "/checked/",
        "title": "Checked",
        "parent": None,
        "status": "approved",
        "name": f"Reader {id_}",
        "website": "",
        "avatar": "0123456789abcdef0123456789abcdef",
        "body": f"Comment {id_}",
        "body_html": f"<p>Comment {id_}</p>",
        "created": "2020-01-02T03:04:05Z",
        "decided": None,
    }
    comment.update(fields)
    return json.dumps(comment)


async def imported(env: dict[str, str], tmp_path: Path, fmt: str, source: Path) -> list[str]:
    # In a thread: the app of the test shares the event loop, and may be amid a write transaction.
    result = await asyncio.to_thread(run, env, tmp_path, "import", "--format", fmt, str(source))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr and result.stderr == ""
    return result.stdout.splitlines()


def refusals(report: list[str]) -> list[str]:
    return [entry.removeprefix("skipped ") for entry in report if entry.startswith("skipped ") and ": " in entry]


async def names_on(client: TestClient, key: str) -> list[str]:
    return [comment["name"] for comment in (await thread(client, key))["comments"]]


BAD_JSON_LINES = [
    (line(3, name=42), "name: int where text belongs"),
    ("[1, 2, 3]", "list where a comment (an object) belongs"),
    ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    (line(6, created="yesterday"), "created: 'yesterday' is not a time (ISO 8601)"),
    (line(7, thread=None), "thread: missing"),
    ('{"id": ' + "9" * 5000 + "}", "not JSON (Exceeds the limit (4300 digits) for integer string conversion)"),
    (line(9, created=1_700_000_000), "created: int where text belongs"),
    (line(10, status="published"), "status: 'published' is none of pending, approved, rejected, spam"),
    (
        line(11, website='http://x.example/" onmouseover="alert(1)'),
        "website 'http://x.example/\" onmouseover=\"alert(1)': Please enter a web address starting with"
        " http:// or https://.",
    ),
    (
        line(12, email="not-an-address\r\nBcc: victim@example.com"),
        "email 'not-an-address\\r\\nBcc: victim@example.com': Please enter a valid email address.",
    ),
    (
        line(13, name="Dana \u202eredaeR"),
        "name 'Dana \\u202eredaeR': Please remove the characters that change the direction of text from your name.",
    ),
    (line(14, body="x" * 10_001, body_html="<p>x</p>"), "body: Please keep this to 10,000 characters or fewer."),
    (line(15, avatar='" onerror="alert(1)'), "avatar '\" onerror=\"alert(1)': not an avatar of this service"),
    (line(16, body_html="<p>\ud800</p>"), "body: not valid UTF-8 text"),
    (line(17, title="Tit\x00le"), "title: contains a NUL character"),
    ("{not json", "not JSON (Expecting property name enclosed in double quotes)"),
    (line(19, parent=[1]), "parent: list where an id belongs"),
    (
        line(20, name="\u3164"),
        "name '\u3164': Please enter a name that can be seen: this one is made of invisible characters.",
    ),
    (line(21, thread="/" + "x" * 600), "thread: Please keep this to 512 characters or fewer."),
    (line(22, id=True), "id: bool where an id belongs"),
]


async def test_each_bad_line_of_an_export_is_reported_by_its_number_and_the_good_ones_import(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    good_before = line(1)
    nulls = line(2, name=None, title=None, website=None, avatar=None, body=None)  # null is as if absent
    good_after = line(50, parent=1, name="Zoë O'Brien")
    spaced = line(51, thread="/with space/")  # a URL's path, percent-encoded as a browser gives it
    lines = [HEADER, good_before, nulls, *(bad for bad, _ in BAD_JSON_LINES), good_after, spaced]
    source = tmp_path / "export.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = await imported(env, tmp_path, "jsonl", source)
    assert report[:3] == [
        "imported: 4 (4 approved)",
        "already present: 0",
        "skipped: 20 (20 invalid)",
    ]
    assert refusals(report) == [f"line {number}: {why}" for number, (_, why) in enumerate(BAD_JSON_LINES, 4)]
    assert await names_on(client, "/checked/") == ["Reader 1", "Anonymous", "Zoë O'Brien"]
    comments = (await thread(client, "/checked/"))["comments"]
    assert comments[2]["parent"] == comments[0]["id"]
    assert await names_on(client, "/with%20space/") == ["Reader 51"]

    again = await imported(env, tmp_path, "jsonl", source)
    assert again[:2] == ["imported: 0", "already present: 4"]
    assert refusals(again) == refusals(report)
    assert await query(config, "SELECT COUNT(*) FROM comments") == [(4,)]


async def test_each_bad_comment_of_an_isso_database_is_reported_by_its_id(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    url = "/isso/"
    source = isso(
        tmp_path / "comments.db",
        [(1, url, "Isso")],
        [
            (1, 1, None, 1_560_000_000.0, 1, "Good", "Lee", "lee@x.org", ""),
            (1, 2, None, 1_560_000_001.0, 1, "Bytes for a name", b"Mo", "", ""),  # a number would be text
            (1, 3, None, "2020-01-01", 1, "Text for a time", "Mo", "", ""),
            (1, 4, None, 1e300, 1, "Too late", "Mo", "", ""),
            (1, 5, None, 1_560_000_004.0, 1, "Injected", "Mo", "a@x.org\r\nBcc: b@y.org", ""),
            (1, 6, None, 1_560_000_005.0, 1, "Backwards", "\u202eoM", "", ""),
            (1, 7, None, 1_560_000_006.0, 1, b"\x00\xff", "Mo", "", ""),
            (1, 8, None, 1_560_000_007.0, "x", "A text for a mode", "Mo", "", ""),
            (1, 9, 1, 1_560_000_008.0, 1, "Good reply", "Ny", "", "https://ny.example"),
            (1, 10, None, 1_560_000_009.0, 1, "Attr", "Mo", "", 'http://x.example/" onmouseover=alert(1)'),
            (1, 11, None, 1_560_000_010.0, 1, "x" * 10_001, "Mo", "", ""),
            (1, 13, 2**62, 1_560_000_012.0, 1, "Huge parent", "Pat", "", ""),
            # The site's own old replies come in under its name, as they were published.
            (1, 14, None, 1_560_000_013.0, 1, "From the site", "blog.clinic.example", "", ""),
        ],
    )
    report = await imported(env, tmp_path, "isso", source)
    assert report[:3] == ["imported: 4 (4 approved)", "already present: 0", "skipped: 9 (9 invalid)"]
    assert refusals(report) == [
        "comment 2: author: bytes where text belongs",
        "comment 3: created: str where a time (Unix seconds) belongs",
        "comment 4: created: 1e+300 is not a time",
        "comment 5: email 'a@x.org\\r\\nBcc: b@y.org': Please enter a valid email address.",
        "comment 6: name '\\u202eoM': Please remove the characters that change the direction of text from your name.",
        "comment 7: text: bytes where text belongs",
        "comment 8: mode: str where a number belongs",
        "comment 10: website 'http://x.example/\" onmouseover=alert(1)': Please enter a web address starting with"
        " http:// or https://.",
        "comment 11: body: Please keep this to 10,000 characters or fewer.",
    ]
    assert await names_on(client, url) == ["Lee", "Ny", "Pat", "blog.clinic.example"]
    assert (await imported(env, tmp_path, "isso", source))[:2] == ["imported: 0", "already present: 4"]


async def test_each_bad_comment_of_a_wordpress_or_disqus_file_is_reported_by_its_index(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    wordpress = wxr(
        tmp_path / "wordpress.xml",
        wxr_item(
            f"{SITE}/wp/",
            "WP",
            wxr_comment("1", "Good", name="Ada"),
            wxr_comment("2", "When?", gmt="yesterday", local="soon"),
            wxr_comment("3", "Injected", email="not-an-address\r\nBcc: victim@example.com"),
            wxr_comment("4", "Attr", url='http://x.example/" onmouseover=alert(1)'),
        ),
        wxr_item(f"{SITE}/wp2/", "WP2", wxr_comment("5", "Good too", name="Bea"), wxr_comment("", "No id")),
    )
    report = await imported(env, tmp_path, "wxr", wordpress)
    assert report[:3] == ["imported: 2 (2 approved)", "already present: 0", "skipped: 4 (4 invalid)"]
    assert refusals(report) == [
        "comment 2: comment_date_gmt: 'yesterday' is not a time (YYYY-MM-DD HH:MM:SS)",
        "comment 3: email 'not-an-address\\nBcc: victim@example.com': Please enter a valid email address.",
        "comment 4: website 'http://x.example/\" onmouseover=alert(1)': Please enter a web address starting with"
        " http:// or https://.",
        "comment 6: comment_id: missing",
    ]
    assert (await names_on(client, "/wp/"), await names_on(client, "/wp2/")) == (["Ada"], ["Bea"])

    export = disqus(
        tmp_path / "disqus.xml",
        disqus_thread("1", f"{SITE}/dq/", "DQ"),
        disqus_post("1", "1", "<p>Good</p>", name="Cy"),
        disqus_post("2", "1", "<p>When?</p>", created="soon"),
        disqus_post("3", "1", "<p>Backwards</p>", name="\u202eyC"),
        disqus_post("4", "1", "<p>Blank</p>", name="\u115f\u1160"),
        disqus_post("5", "1", "<p>Good too</p>", name="Di", parent="3"),
    )
    report = await imported(env, tmp_path, "disqus", export)
    assert report[:3] == ["imported: 2 (2 approved)", "already present: 0", "skipped: 3 (3 invalid)"]
    assert refusals(report) == [
        "post 2: createdAt: 'soon' is not a time (ISO 8601)",
        "post 3: name '\\u202eyC': Please remove the characters that change the direction of text from your name.",
        "post 4: name '\u115f\u1160': Please enter a name that can be seen: this one is made of invisible characters.",
    ]
    assert await names_on(client, "/dq/") == ["Cy", "Di"]  # Di's parent was refused: Di moves to the top
    assert (await imported(env, tmp_path, "disqus", export))[:2] == ["imported: 0", "already present: 2"]


async def test_an_external_dtd_and_a_file_of_another_format_are_refused_in_one_line(
    config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    external = tmp_path / "external.xml"
    external.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE disqus SYSTEM "{(tmp_path / "x.dtd").as_uri()}">\n'
        + DISQUS_HEAD.split("\n", 1)[1]
        + disqus_thread("1", f"{SITE}/p/", "P")
        + disqus_post("1", "1", "<p>Hello</p>")
        + "</disqus>\n"
    )
    public = tmp_path / "public.xml"
    public.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Evil//DTD//EN" "https://evil.example/rss.dtd">\n'
        "<rss><channel><item><link>https://blog.clinic.example/x/</link></item></channel></rss>\n"
    )
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_text(HEADER + "\n" + line(1) + "\n")
    database = isso(tmp_path / "isso.db", [(1, "/a/", "A")], [])
    for fmt, source in [
        ("disqus", external),
        ("wxr", public),
        ("wxr", jsonl),
        ("disqus", database),
        ("isso", jsonl),
        ("jsonl", database),
        ("jsonl", external),
    ]:
        result = await asyncio.to_thread(run, env, tmp_path, "import", "--format", fmt, str(source))
        assert result.returncode == 1, (fmt, source, result.stdout)
        assert result.stderr.startswith("moderation: cannot import: "), (fmt, source, result.stderr)
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr, (fmt, source)
    assert await query(config, "SELECT COUNT(*) FROM comments") == [(0,)]


PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_kib(env: dict[str, str], cwd: Path, *args: str) -> int:
    """The import's peak resident memory, in KiB, measured around the command alone."""
    measured = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *FROM_CHECKOUT, *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    assert measured.returncode == 0, measured.stderr
    return int(measured.stdout)


async def test_a_30_mb_comment_is_refused_without_being_held_whole(
    client: TestClient, config: Config, tmp_path: Path
) -> None:
    env = command_env(tmp_path, config.database_url)
    huge = "x" * 30_000_000
    jsonl = tmp_path / "huge.jsonl"
    jsonl.write_text("\n".join([HEADER, line(1), line(2, body_html=huge), line(3)]) + "\n")
    export = disqus(
        tmp_path / "huge.xml",
        disqus_thread("1", f"{SITE}/huge/", "Huge"),
        disqus_post("1", "1", "<p>Before</p>", name="Ed"),
        disqus_post("2", "1", huge),
        disqus_post("3", "1", "<p>After</p>", name="Flo"),
    )
    isso(tmp_path / "huge.db", [(1, "/huge-isso/", "Huge")], [(1, 1, None, 1e9, 1, huge, "Gus", "", "")])
    for fmt, source, position in [
        ("jsonl", jsonl, "line 3"),
        ("disqus", export, "post 2"),
        ("isso", tmp_path / "huge.db", "comment 1"),
    ]:
        report = await imported(env, tmp_path, fmt, source)
        assert [entry for entry in refusals(report) if entry.startswith(position)], (fmt, report)
        # The 30 MB are never held whole (they were, at 600 MB resident, and imported).
        assert await asyncio.to_thread(peak_kib, env, tmp_path, "import", "--format", fmt, str(source)) < 120_000
    assert await names_on(client, "/checked/") == ["Reader 1", "Reader 3"]
    assert await names_on(client, "/huge/") == ["Ed", "Flo"]
