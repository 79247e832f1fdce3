"""The package type-checks under mypy --strict, so that a wrong type fails CI, not a reader."""

import subprocess
import sys

from moderation.config import ROOT


def test_package_passes_mypy_strict() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
