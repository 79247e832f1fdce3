"""The real service as a child process: `python -m moderation serve`, as an operator starts it.

Output goes to files in the data folder, never to a pipe, so that a chatty service can never
block on a full pipe; tests read the files afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from moderation.config import ROOT
from tests.conftest import MODERATORS, free_port
from tests.waiting import eventually

SECRET_KEY = "a test secret that is long enough"
START_TIMEOUT = 15.0
# How an operator starts it from this checkout; an installed console script can stand in for it.
FROM_CHECKOUT = (sys.executable, "-m", "moderation")


def clean_environ() -> dict[str, str]:
    """This process's environment without any MODERATION_* setting of the developer's own."""
    return {key: value for key, value in os.environ.items() if not key.startswith("MODERATION_")}


def service_env(
    data_dir: Path, *, port: int | None = None, smtp_port: int | None = None, **overrides: str | None
) -> dict[str, str]:
    """The environment of a service on loopback that keeps its SQLite file in `data_dir`.

    `overrides` are MODERATION_* variables without the prefix (SMTP_HOST="..."); None unsets one.
    """
    env = clean_environ()
    settings: dict[str, str | None] = {
        "PORT": str(port or free_port()),
        "DATABASE_URL": f"sqlite:///{data_dir}/comments.sqlite3",
        "SECRET_KEY": SECRET_KEY,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port) if smtp_port else None,
        "SMTP_TLS": "none",
        "RATE_LIMIT": "off",
        "MODERATORS": ",".join(MODERATORS),
    }
    settings.update(overrides)
    for name, value in settings.items():
        if value is not None:
            env[f"MODERATION_{name}"] = value
    return env


def generated_keys() -> dict[str, str]:
    """Keys of this run's own, as ./generate-keys makes them (SECRET_KEY=..., without the prefix):
    production refuses every key written in the repository, the tests' own included."""
    printed = subprocess.run([str(ROOT / "generate-keys")], capture_output=True, text=True, check=True).stdout
    return {name.removeprefix("MODERATION_"): value for name, value in (line.split("=", 1) for line in printed.split())}


def database_path(env: Mapping[str, str]) -> Path:
    return Path(env["MODERATION_DATABASE_URL"].removeprefix("sqlite:///"))


def run_command(
    args: list[str],
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 15.0,
    command: Sequence[str] = FROM_CHECKOUT,
) -> subprocess.CompletedProcess[str]:
    """A one-shot `moderation ...` command (migrate, or a serve that should refuse to start)."""
    return subprocess.run(
        [*command, *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Service:
    """One `moderation serve` process; start() it, then kill9() or terminate() it."""

    _runs = 0

    def __init__(
        self, env: Mapping[str, str], cwd: Path, command: Sequence[str] = FROM_CHECKOUT, serve: Sequence[str] = ()
    ):
        self.env = dict(env)
        self.cwd = cwd
        self.command = list(command)
        self.serve_args = list(serve)  # after `serve`, as `--workers 2`
        self.port = int(self.env["MODERATION_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        Service._runs += 1
        self.stdout_path = cwd / f"service-{Service._runs}.stdout"
        self.stderr_path = cwd / f"service-{Service._runs}.stderr"

    @property
    def database(self) -> Path:
        return database_path(self.env)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def output(self) -> str:
        return f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"

    async def start(self, timeout: float = START_TIMEOUT) -> Service:
        """Start the process and wait until GET /healthz answers 200."""
        self.cwd.mkdir(parents=True, exist_ok=True)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [*self.command, "serve", *self.serve_args],
                env=self.env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        try:
            await self._wait_healthy(timeout)
        except BaseException:
            await self.kill9()
            raise
        return self

    async def _wait_healthy(self, timeout: float) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:

            async def healthy() -> bool:
                if self.returncode is not None:
                    raise RuntimeError(f"the service exited with {self.returncode} at start-up\n{self.output()}")
                try:
                    async with session.get(self.url + "/healthz") as response:
                        return response.status == 200
                except (TimeoutError, aiohttp.ClientError):
                    return False  # not listening yet

            try:
                await eventually(healthy, timeout)
            except TimeoutError:
                raise TimeoutError(f"GET /healthz did not answer 200 within {timeout} s\n{self.output()}") from None

    async def wait(self, timeout: float) -> int:
        """Wait for the process to exit (without blocking the event loop); return its code."""
        process = self.process
        assert process is not None
        try:
            await eventually(lambda: process.poll() is not None, timeout, interval=0.02)
        except TimeoutError:
            raise TimeoutError(f"the service did not exit within {timeout} s") from None
        return process.returncode

    async def kill9(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            await self.wait(10)

    def send_sigterm(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait for the exit; SIGKILL if it does not come. Returns the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.send_sigterm()
        try:
            return await self.wait(timeout)
        except TimeoutError:
            await self.kill9()
            raise

    async def close(self) -> None:
        """Make sure the process is gone, whatever happened."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            await self.terminate(timeout=5)
        except TimeoutError:
            pass  # terminate() has already killed it
        finally:
            await self.kill9()

    async def __aenter__(self) -> Service:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


@asynccontextmanager
async def running(env: Mapping[str, str], cwd: Path) -> AsyncIterator[Service]:
    """A started service, stopped (and killed if need be) however the block ends."""
    service = Service(env, cwd)
    try:
        await service.start()
        yield service
    finally:
        await service.close()
