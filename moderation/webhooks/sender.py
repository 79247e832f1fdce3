"""The webhook sender: takes due webhooks from their outbox and POSTs them, signed, beside the mail.

Claims, heartbeats and back-off are every sender's (outbox_sender.py). Here: one HTTP session, a total
timeout per request, and one delivery task per URL, several URLs at once, so that a slow or dead
receiver holds up only its own webhooks (in order), never another's, the mail or a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from functools import partial
from urllib.parse import urlsplit

import aiohttp

from .. import __version__
from ..config import Config
from ..errors import StoreUnavailable
from ..metrics import Metrics
from ..models import Webhook
from ..outbox_sender import OutboxSender
from ..store.claims import Claims
from .events import SIGNATURE_HEADER, signature

log = logging.getLogger(__name__)

BATCH = 10
RECEIVERS_AT_ONCE = 8  # URLs delivered to at the same time; each gets its webhooks one by one
PATIENCE = 0.1  # the longest a webhook waits for a moment with no request being answered
USER_AGENT = f"moderation/{__version__} (comment moderation webhooks)"
# Answers that say "not now": tried again. Any other 4xx, and redirects, will not change by trying.
TRY_AGAIN = (408, 429)


@dataclass(frozen=True)
class Failure:
    """Why a try did not deliver, and what follows: given up at once, or tried again (when, if said)."""

    reason: str
    final: bool
    retry_after: float | None = None


def origin(url: str) -> str:
    """A URL as the log shows it: a receiver's path, query or user may hold a token of its own."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def judge(status: int, later: str | None, now: float) -> Failure | None:
    """What an answer means: None for delivered (2xx)."""
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        return Failure(f"answered {status}, a redirect (not followed: configure the URL it points to)", final=True)
    if status in TRY_AGAIN or status >= 500:
        return Failure(f"answered {status}", final=False, retry_after=retry_after(later, now))
    return Failure(f"answered {status}", final=True)


class WebhookSender(OutboxSender[Webhook]):
    label = "webhooks"

    def __init__(
        self,
        queue: Claims[Webhook],
        secret: str,
        metrics: Metrics,
        pacing: Config,
        *,
        clock: Callable[[], float],
        timeout: float,
        quiet: Callable[[float], Awaitable[None]] | None = None,
    ):
        super().__init__(queue, pacing, clock=clock)
        self._secret = secret
        self._metrics = metrics
        self._timeout = timeout
        self._quiet = quiet
        self._session: aiohttp.ClientSession | None = None
        self._receiving: dict[str, asyncio.Task[None]] = {}  # URL -> the task delivering to it
        self._troubled: set[str] = set()  # URLs whose last try failed: logged once, not at every try

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT}) as self._session:
            await super().run()

    async def next_due(self) -> float | None:
        # The busy URLs' webhooks wait for their task, which wakes the loop when it is done; with
        # every slot taken, so does everything else.
        if len(self._receiving) >= RECEIVERS_AT_ONCE:
            return None
        return await self._queue.next_due(tuple(self._receiving))

    async def deliver_due(self) -> int:
        """Start a task for each URL with due webhooks and none running; return how many were claimed."""
        claimed = 0
        while len(self._receiving) < RECEIVERS_AT_ONCE and self.alive and not self._stopping:
            batch = await self._queue.claim(self.name, self._silent_after, BATCH, tuple(self._receiving))
            if not batch:
                break
            claimed += len(batch)
            by_url: dict[str, list[Webhook]] = {}
            for webhook in batch:
                by_url.setdefault(webhook.url, []).append(webhook)
            for url, webhooks in by_url.items():
                task = asyncio.create_task(self._deliver_in_order(webhooks), name=f"webhooks to {origin(url)}")
                self._receiving[url] = task
                task.add_done_callback(partial(self._done, url))
        return claimed

    def _done(self, url: str, _: asyncio.Task[None]) -> None:
        self._receiving.pop(url, None)
        self.wake()  # a slot is free, and that URL's next webhooks may be due

    async def finish(self) -> None:
        """Let deliveries under way end (briefly); what is left is given back by the sign-off."""
        running = set(self._receiving.values())
        if running:
            await asyncio.wait(running, timeout=1.0)
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _deliver_in_order(self, webhooks: list[Webhook]) -> None:
        try:
            while webhooks:
                if not self.alive or self._stopping:
                    return
                webhook = webhooks.pop(0)
                failure = await self._deliver(webhook)
                if failure is not None and not failure.final:
                    # The receiver is in trouble: those behind wait as long, without a request each
                    # (each counts the try it would have failed, so ages and metrics see it too).
                    for waiting in webhooks:
                        await self._failed(waiting, failure, quietly=True)
                    webhooks = []
        except StoreUnavailable as error:
            log.warning("webhooks: database unavailable (%s); the claims are taken again later", error)
        except Exception:
            log.exception("webhooks: unexpected error; the sender carries on")
        finally:
            if webhooks:  # not tried for a reason of this sender's (stopping, silent, the database)
                with contextlib.suppress(StoreUnavailable):
                    await self._queue.release(self.name, [webhook.id for webhook in webhooks])

    async def _deliver(self, webhook: Webhook) -> Failure | None:
        """POST one webhook and record what happened: None if delivered, else why not."""
        if self._quiet is not None:
            await self._quiet(PATIENCE)
        assert self._session is not None, "run() opens the session"
        payload = webhook.body.encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self._secret, int(self._clock()), payload),
        }
        try:
            async with self._session.post(webhook.url, data=payload, headers=headers, allow_redirects=False) as answer:
                failure = judge(answer.status, answer.headers.get("Retry-After"), self._clock())
        except TimeoutError:
            failure = Failure(f"no answer within {self._timeout:g} s", final=False)
        except aiohttp.ClientError as error:
            failure = Failure(f"{type(error).__name__}: {error}"[:500], final=False)
        if failure is None:
            await self._queue.mark_sent(webhook.id)
            self._metrics.webhooks_sent.inc()
            if webhook.url in self._troubled:
                self._troubled.discard(webhook.url)
                log.info("webhooks: %s answers again", origin(webhook.url))
            log.info("webhooks: delivered %s to %s", webhook, origin(webhook.url))
            return None
        await self._failed(webhook, failure)
        return failure

    async def _failed(self, webhook: Webhook, failure: Failure, *, quietly: bool = False) -> None:
        if failure.final or self.too_old(webhook.created):
            await self._queue.mark_failed(webhook.id, failure.reason)
            self._metrics.webhooks_failed.inc()
            log.error(
                "webhooks: gave up on %s to %s after %d tries: %s",
                webhook,
                origin(webhook.url),
                webhook.attempts + 1,
                failure.reason,
            )
            return
        delay = self.backoff(webhook.attempts)
        if failure.retry_after is not None:  # the receiver said when: as it asks, within the cap
            delay = min(self._retry_cap, failure.retry_after)
        await self._queue.mark_retry(webhook.id, delay, failure.reason)
        self._metrics.webhooks_retried.inc()
        # A receiver in trouble is logged when the trouble starts (and when it ends); each try at DEBUG.
        first = not quietly and webhook.url not in self._troubled
        self._troubled.add(webhook.url)
        log.log(
            logging.WARNING if first else logging.DEBUG,
            "webhooks: %s to %s not delivered (%s); tried again with growing gaps, next in %.1f s",
            webhook,
            origin(webhook.url),
            failure.reason,
            delay,
        )
