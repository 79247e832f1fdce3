"""Real parts for every test: an SMTP server on loopback, a SQLite file, the whole app."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app
from moderation.config import Config
from moderation.store import Store, open_store
from tests.smtp import SmtpSink

MODERATORS = ("alice@clinic.example", "bob@clinic.example")
SITE = "https://blog.clinic.example"
PUBLIC_URL = "https://comments.clinic.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def smtpd() -> AsyncIterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it receives."""
    sink = SmtpSink(free_port())
    await sink.start()
    yield sink
    await sink.stop()


def make_config(tmp_path: Path, smtp_port: int, **overrides: object) -> Config:
    settings: dict[str, object] = dict(
        database_url=f"sqlite:///{tmp_path}/comments.sqlite3",
        secret_key="a test secret that is long enough",
        public_url=PUBLIC_URL,
        allowed_origins=(SITE,),
        moderators=MODERATORS,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_tls="none",
        rate_limit=None,
        # Faster than production, so that retries happen within a test.
        smtp_timeout=2.0,
        retry_base=0.05,
        retry_cap=0.5,
        outbox_poll=0.2,
    )
    settings.update(overrides)
    return Config(**settings)  # type: ignore[arg-type]


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink) -> Config:
    return make_config(tmp_path, smtpd.port)


@pytest.fixture
async def client(aiohttp_client, config: Config) -> TestClient:  # type: ignore[no-untyped-def]
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def store(config: Config) -> AsyncIterator[Store]:
    """The configured store, migrated, without the web app around it."""
    opened = await open_store(config, time.time)
    await opened.migrate()
    yield opened
    await opened.close()
