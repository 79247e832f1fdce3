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


def test_a_setting_whose_default_does_not_fit_its_field_fails_mypy() -> None:
    fields = (
        "from moderation.config import setting\n"
        'port: int = setting("MODERATION_PORT", 8080, "Port.", int)\n'
        'wrong_port: int = setting("MODERATION_PORT", "8080", "Port.", int)\n'
    )
    # No config file: pyproject.toml lists files to check, which mypy refuses beside -c.
    result = run("mypy", "--config-file=", "--strict", "-c", fields)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("<string>:3: error: Incompatible types in assignment"), result.stdout
    assert "Found 1 error" in result.stdout
