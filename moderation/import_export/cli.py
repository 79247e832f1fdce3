"""The arguments of `moderation import` and `moderation export`, and the readers by format."""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from ..config import Config
from ..models import BY_AUTHOR, CommentStatus
from .mapping import Slash
from .records import Record, Unreadable

FORMATS = ("disqus", "isso", "jsonl", "wxr")


def reader(name: str) -> Callable[[Path], Iterable[Record | Unreadable]]:
    # Imported here: the XML parsers are no part of serving, and a server need not hold them.
    from . import disqus, isso, jsonl, wxr

    return {"disqus": disqus.read, "wxr": wxr.read, "isso": isso.read, "jsonl": jsonl.read}[name]


def refusals() -> tuple[type[Exception], ...]:
    """What a file may be refused for: a broken or hostile XML file (defusedxml's refusals are
    ValueErrors), a database that is not Isso's, a JSON lines file that is not our export (a
    ValueError too), a field that is not what its format says."""
    from xml.etree.ElementTree import ParseError

    return (ParseError, sqlite3.DatabaseError, ValueError)


def site_hosts(config: Config) -> list[str]:
    """The site's own hosts, from its allowed origins: pages elsewhere (staging, old domains) are skipped."""
    return [urlsplit(origin).hostname or "" for origin in config.allowed_origins]


def prefix(value: str) -> tuple[str, str]:
    old, sep, new = value.partition("=")
    if not sep or not old:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not OLD=NEW, such as http://old.example/blog/=https://blog.example/"
        )
    return old, new


def transfer_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imports = commands.add_parser("import", help="import comments; a second run imports nothing new")
    imports.add_argument("--format", required=True, choices=FORMATS)
    imports.add_argument("file")
    imports.add_argument(
        "--map-prefix", type=prefix, action="append", default=[], metavar="OLD=NEW", help="rewrite URLs first"
    )
    imports.add_argument("--host", action="append", help="the site's host (repeatable; default: the allowed origins')")
    imports.add_argument("--any-host", action="store_true", help="take pages on every host")
    imports.add_argument("--trailing-slash", choices=[s.value for s in Slash], default=Slash.KEEP.value)
    exports = commands.add_parser("export", help="write every comment as JSON lines")
    exports.add_argument("--status", action="append", choices=[s.value for s in CommentStatus if s not in BY_AUTHOR])
    exports.add_argument("--include-email", action="store_true", help="with addresses (the file is then 0600)")
    exports.add_argument("-o", "--output", help="a file instead of standard output")
