"""Real parts for every test: an SMTP server on loopback, a SQLite file, the whole app."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from moderation.app import create_app, service_links
from moderation.config import Config
from moderation.store import Store, open_store
from tests.receiver import Receiver
from tests.smtp import SmtpSink

# The browser fixtures (browser, stack, mailbox_stack), the moderator ones (clock, service) and the
# table of axe-core results live beside their helpers.
pytest_plugins = ["tests.browser", "tests.moderators", "tests.axe"]

MODERATORS = ("alice@clinic.example", "bob@clinic.example")
SITE = "https://blog.clinic.example"
PUBLIC_URL = "https://comments.clinic.example"
TEST_DATA_KEYS = "t1:" + base64.b64encode(b"data key of the tests, 32 bytes!").decode()
TEST_INDEX_KEY = "t1:" + base64.b64encode(b"index key of the tests, 32 byte!").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def smtpd() -> AsyncIterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it receives."""
    sink = SmtpSink()
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on 127.0.0.1 that records what it is sent."""
    started = Receiver()
    await started.start()
    yield started
    await started.stop()


def make_config(tmp_path: Path, smtp_port: int, **overrides: object) -> Config:
    settings: dict[str, object] = dict(
        database_url=f"sqlite:///{tmp_path}/comments.sqlite3",
        secret_key="a test secret that is long enough",
        # Fixed, so that every store a test opens on the same database has the same keys.
        data_keys=TEST_DATA_KEYS,
        index_key=TEST_INDEX_KEY,
        public_url=PUBLIC_URL,
        allowed_origins=(SITE,),
        moderators=MODERATORS,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_tls="none",
        rate_limit=None,
        # Posts are answered as they were before the challenge, whatever a trained classifier or the
        # rate limit says: tests/test_challenge.py asks for it where it is what is tested.
        challenge="off",
        # Faster than production, so that retries happen within a test.
        smtp_timeout=2.0,
        retry_base=0.05,
        retry_cap=0.5,
        outbox_poll=0.2,
    )
    settings.update(overrides)
    return Config(**settings)  # type: ignore[arg-type]


POSTGRES_URL = os.environ.get("MODERATION_TEST_POSTGRES_URL", "")
# Set by ./run-tests --ci: a part the suite needs that is missing fails the run instead of skipping.
REQUIRE_ALL = os.environ.get("MODERATION_TEST_REQUIRE_ALL") == "1"


@contextlib.asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A database URL whose tables live in a schema of their own, dropped afterwards."""
    if not POSTGRES_URL:
        reason = "PostgreSQL tests need MODERATION_TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1/test)"
        if REQUIRE_ALL:
            pytest.fail(f"{reason} (MODERATION_TEST_REQUIRE_ALL=1: nothing may be skipped)", pytrace=False)
        pytest.skip(reason)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}search_path={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each store-touching test runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/comments.sqlite3"
    else:
        async with postgres_schema() as url:
            yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with postgres_schema() as url:
        yield url


@pytest.fixture
def config(tmp_path: Path, smtpd: SmtpSink, database_url: str) -> Config:
    return make_config(tmp_path, smtpd.port, database_url=database_url)


@pytest.fixture
async def client(config: Config, aiohttp_client) -> TestClient:  # type: ignore[no-untyped-def]
    # config first: fixtures tear down in reverse, so the app stops before its database goes.
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def store(config: Config) -> AsyncIterator[Store]:
    """The configured store, migrated, without the web app around it."""
    opened = await open_store(config, links=service_links(config), clock=time.time)
    await opened.migrate()
    yield opened
    await opened.close()
