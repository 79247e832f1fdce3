"""Keeping no more than needed: addresses of rejected and spam comments are erased after a while,
and spent proofs of work once they have expired."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from .errors import StoreUnavailable
from .store import Store

log = logging.getLogger(__name__)

DAY = 86400.0


async def purge(store: Store, retention_days: int, clock: Callable[[], float]) -> int:
    erased = await store.comments.purge_addresses(before=clock() - retention_days * DAY)
    await store.my_data.purge()  # /mydata links a day old: kept no longer than they work
    if erased:
        log.info("retention: erased the addresses of %d rejected or spam comments", erased)
    forgotten = await store.challenges.purge()
    log.debug("retention: forgot %d expired proofs of work", forgotten)
    return erased


async def purge_daily(store: Store, retention_days: int, clock: Callable[[], float]) -> None:
    while True:
        try:
            await purge(store, retention_days, clock)
        except StoreUnavailable as error:
            log.warning("retention: database unavailable (%s); trying again tomorrow", error)
        except Exception:
            log.exception("retention: purge failed; trying again tomorrow")
        await asyncio.sleep(DAY)
