"""Small files of each format that `moderation import` reads, built by the tests themselves."""

from __future__ import annotations

import sqlite3
from pathlib import Path

DISQUS_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">\n'
)


def disqus_thread(id_: str, link: str, title: str) -> str:
    return f'<thread dsq:id="{id_}"><id/><link>{link}</link><title>{title}</title></thread>\n'


def disqus_post(
    id_: str,
    thread: str,
    message: str,
    *,
    parent: str | None = None,
    name: str = "Dana",
    email: str = "dana@example.com",
    created: str = "2019-06-01T10:00:00Z",
    deleted: bool = False,
    spam: bool = False,
) -> str:
    return (
        f'<post dsq:id="{id_}"><id/><message><![CDATA[{message}]]></message>'
        f"<createdAt>{created}</createdAt><isDeleted>{str(deleted).lower()}</isDeleted>"
        f"<isSpam>{str(spam).lower()}</isSpam>"
        f"<author><email>{email}</email><name>{name}</name><isAnonymous>false</isAnonymous></author>"
        f'<ipAddress>203.0.113.9</ipAddress><thread dsq:id="{thread}"/>'
        + (f'<parent dsq:id="{parent}"/>' if parent else "")
        + "</post>\n"
    )


def disqus(path: Path, *parts: str) -> Path:
    path.write_text(DISQUS_HEAD + "".join(parts) + "</disqus>\n", encoding="utf-8")
    return path


def wxr_comment(
    id_: str,
    content: str,
    *,
    approved: str = "1",
    parent: str = "0",
    kind: str = "",
    name: str = "Ellis",
    email: str = "ellis@example.com",
    url: str = "",
    gmt: str = "2018-01-02 03:04:05",
    local: str = "2018-01-02 05:04:05",
) -> str:
    return (
        f"<wp:comment><wp:comment_id>{id_}</wp:comment_id><wp:comment_author><![CDATA[{name}]]></wp:comment_author>"
        f"<wp:comment_author_email>{email}</wp:comment_author_email><wp:comment_author_url>{url}</wp:comment_author_url>"
        f"<wp:comment_author_IP>198.51.100.7</wp:comment_author_IP><wp:comment_date>{local}</wp:comment_date>"
        f"<wp:comment_date_gmt>{gmt}</wp:comment_date_gmt><wp:comment_content><![CDATA[{content}]]></wp:comment_content>"
        f"<wp:comment_approved>{approved}</wp:comment_approved><wp:comment_type>{kind}</wp:comment_type>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


def wxr_item(link: str, title: str, *comments: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link><wp:post_type>post</wp:post_type>{''.join(comments)}</item>"


def wxr(path: Path, *items: str, version: str = "1.2") -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        f' xmlns:wp="http://wordpress.org/export/{version}/"><channel><title>Blog</title>'
        + "".join(items)
        + "</channel></rss>\n",
        encoding="utf-8",
    )
    return path


ISSO_SCHEMA = """
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
"""


def isso(path: Path, threads: list[tuple[int, str, str]], comments: list[tuple[object, ...]]) -> Path:
    """comments: (tid, id, parent, created, mode, text, author, email, website)."""
    with sqlite3.connect(path) as db:
        db.executescript(ISSO_SCHEMA)
        db.executemany("INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)", threads)
        db.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text, author, email,"
            " website, voters, notification) VALUES (?, ?, ?, ?, NULL, ?, '192.0.2.1', ?, ?, ?, ?, x'00', 1)",
            comments,
        )
    db.close()
    return path
