"""`moderation serve` and `moderation migrate`: the only place that reads the environment."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time

from aiohttp import web

from .app import create_app
from .config import Config, ConfigError
from .errors import StoreUnavailable
from .store import open_store

log = logging.getLogger("moderation")


async def migrate(config: Config) -> None:
    store = await open_store(config, clock=time.time)
    try:
        applied = await store.migrate()
    finally:
        await store.close()
    print("applied: " + ", ".join(applied) if applied else "nothing to apply: the database is up to date")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="moderation", description=__doc__)
    parser.add_argument("command", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Their INFO lines carry client addresses and, for the dev mailbox, email addresses.
    for chatty in ("aiohttp.access", "mail.log"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        config = Config.from_env(os.environ)
        if args.command == "migrate":
            asyncio.run(migrate(config))
            return 0
        app = create_app(config.with_secret_key())
    except ConfigError as error:
        print(f"moderation: {error}", file=sys.stderr)
        return 2
    log.info("serving on http://%s:%d (public URL %s)", config.host, config.port, config.public_url)
    try:
        web.run_app(app, host=config.host, port=config.port, print=None, shutdown_timeout=10)
    except (StoreUnavailable, OSError) as error:  # a locked or unwritable database, a port in use
        print(f"moderation: cannot start: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
