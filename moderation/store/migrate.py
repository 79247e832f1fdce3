"""Migrations: numbered .sql files under migrations/<dialect>/, each applied once."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import MissingFiles
from ..resources import folder

NAME = re.compile(r"^\d{4}_[a-z0-9_]+\.sql$")


def migration_files(dialect: str) -> list[Path]:
    """The migrations of one SQL dialect, in the order they apply."""
    where = folder("migrations") / dialect
    files = sorted(where.glob("*.sql"))
    if not files:
        # Every dialect has at least the initial schema: none at all is a broken install, not a no-op.
        raise MissingFiles(f"no migrations found in {where}; reinstall the package")
    for path in files:
        if not NAME.match(path.name):
            raise ValueError(f"migration {path} is not named like 0001_name.sql")
    return files
