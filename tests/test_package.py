"""The wheel, installed alone in a fresh virtual environment, serves: nothing comes from the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from moderation.config import ROOT
from tests.conftest import MODERATORS
from tests.factories import comment_data
from tests.service import Service, run_command, service_env
from tests.smtp import SmtpSink, link_path

# Building the wheel and installing it with its dependencies (from pip's cache) takes 20-30 s
# here; the first test of this file pays for it, so the limit is generous.
pytestmark = pytest.mark.timeout(600)


def build_inputs() -> list[str]:
    """What the Dockerfile's build stage copies in before it builds the wheel."""
    build_stage = (ROOT / "Dockerfile").read_text().split("\nFROM ")[1]
    names: list[str] = []
    for line in build_stage.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            names += line.split()[1:-1]
    return names


def outside_env() -> dict[str, str]:
    # A PYTHONPATH pointing at the checkout would hide a wheel that lacks something.
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def run(*args: str | Path, cwd: Path) -> str:
    result = subprocess.run([str(arg) for arg in args], cwd=cwd, env=outside_env(), capture_output=True, text=True)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment outside the checkout with the wheel and its dependencies installed."""
    work = tmp_path_factory.mktemp("wheel")
    # A copy, as the image's build stage makes: building in the checkout would leave build/ there,
    # whose stale files a later build would put in its wheel.
    source = work / "source"
    source.mkdir()
    for name in build_inputs():
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", work / "wheels", source, cwd=work)
    (wheel,) = (work / "wheels").glob("moderation-*.whl")
    run(sys.executable, "-m", "venv", work / "venv", cwd=work)
    run(work / "venv" / "bin" / "python", "-m", "pip", "install", wheel, cwd=work)
    return work / "venv"


def installed_package(venv: Path, cwd: Path) -> Path:
    found = run(venv / "bin" / "python", "-c", "import moderation; print(moderation.__file__)", cwd=cwd)
    return Path(found.strip()).parent


async def test_the_installed_wheel_serves_from_anywhere_and_mails_every_moderator(
    venv: Path, tmp_path: Path, smtpd: SmtpSink
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert installed_package(venv, elsewhere).is_relative_to(venv), "the checkout is importable in the venv"
    env = service_env(tmp_path, smtp_port=smtpd.port)
    env.pop("PYTHONPATH", None)

    async with (
        Service(env, elsewhere, command=[str(venv / "bin" / "moderation")]) as service,
        aiohttp.ClientSession() as http,
    ):
        async with http.post(service.url + "/api/comments", json=comment_data()) as response:
            assert response.status == 202, await response.text()
        mails = await smtpd.wait_for(2)
        assert sorted(str(mail["To"]) for mail in mails) == sorted(MODERATORS)
        # The wheel's templates render the page behind the link, its static folder serves the widget.
        async with http.get(service.url + link_path(mails[0], "approve")) as page:
            assert page.status == 200
            assert '<form method="post">' in await page.text()
        async with http.get(service.url + "/embed.js") as script:
            assert script.status == 200
            assert await script.read() == (ROOT / "static" / "embed.js").read_bytes()
        # Its catalogs speak the other languages.
        async with http.get(service.url + "/api/comments/messages", params={"lang": "es"}) as messages:
            assert (await messages.json())["messages"]["Leave a Reply"] == "Deja un comentario"


def test_an_install_without_its_migrations_refuses_to_start_and_says_where_it_looked(
    venv: Path, tmp_path: Path
) -> None:
    migrations = installed_package(venv, tmp_path) / "migrations"
    moved = migrations.with_name("migrations.moved")
    env = service_env(tmp_path)
    env.pop("PYTHONPATH", None)
    migrations.rename(moved)
    try:
        for command in ("migrate", "serve"):
            result = run_command([command], env, tmp_path, command=[str(venv / "bin" / "moderation")])
            assert result.returncode == 1, result.stderr
            assert "Traceback" not in result.stderr
            last_line = result.stderr.strip().splitlines()[-1]
            assert last_line.startswith(f"moderation: cannot {command}: the migrations folder is missing: ")
            assert f"looked in {migrations} and " in last_line
    finally:
        moved.rename(migrations)
