"""The folders the service ships beside its code: templates/, static/ and migrations/."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from .errors import MissingFiles

# The checkout (tests, bench, editable installs); in an installed wheel it means nothing.
ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def folder(name: str) -> Path:
    """One of the shipped folders, as a directory on disk (installs are unzipped)."""
    # A wheel carries them inside the package: pyproject.toml maps each top-level folder there.
    packaged = resources.files("moderation") / name
    # An editable install (pip install -e .) leaves them at the top of the checkout, and
    # files("moderation.templates") fails there: setuptools' editable finder does not import a
    # sub-package without __init__.py mapped from outside its parent's folder (pypa/setuptools#4943).
    checkout = ROOT / name
    for candidate in (packaged, checkout):
        if isinstance(candidate, Path) and candidate.is_dir():
            return candidate
    raise MissingFiles(f"the {name} folder is missing: looked in {packaged} and {checkout}; reinstall the package")
