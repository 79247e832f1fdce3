"""The code itself: types checked, lint clean, one format, so that CI fails before a reader would."""

import subprocess
import sys

from moderation.config import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_package_passes_mypy_strict() -> None:
    result = run("mypy", "--config-file", str(ROOT / "pyproject.toml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_lint_clean_and_formatted() -> None:
    lint = run("ruff", "check", "moderation", "tests", "bench")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatted = run("ruff", "format", "--check", "moderation", "tests", "bench")
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
