"""The application factory: the one place where the parts are wired together."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Callable
from functools import partial

import jinja2
from aiohttp import web

from .app_keys import (
    after_answer_tasks_key,
    clock_key,
    config_key,
    data_requests_key,
    dev_mailbox_key,
    dev_smtp_key,
    form_stamp_key,
    in_flight_key,
    languages_key,
    links_key,
    metrics_key,
    pending_note_key,
    proof_of_work_key,
    rate_limit_key,
    rendered_threads_key,
    sender_key,
    signer_key,
    signin_limits_key,
    spam_guard_key,
    store_key,
    webhook_sender_key,
)
from .challenge import ProofOfWork
from .config import Config, check_dev_mailbox
from .errors import ConfigError
from .holds import holds_line
from .i18n import Language, Languages
from .links import Links
from .mail.compose import Composer
from .mail.devmail import linkify, start_dev_mailbox
from .mail.digests import DigestWriter, Outgoing
from .mail.sender import MailSender
from .mail.smtp import SmtpSettings
from .metrics import Metrics
from .middlewares import body_deadline, error_middleware, security_headers
from .rate_limits import DATA_REQUESTS, RateLimit, SigninLimits
from .rendered_threads import RenderedThreads
from .requests_in_flight import InFlight
from .resources import folder
from .retention import purge_daily
from .spam import SpamGuard
from .spam_score import spam_line
from .store import open_store
from .tokens import FormStamp, LinkSigner, PendingNote
from .views import setup_routes
from .views.requests import finish_after_answers
from .webhooks.sender import WebhookSender

log = logging.getLogger(__name__)


def create_app(config: Config, *, clock: Callable[[], float] = time.time) -> web.Application:
    if not config.secret_key:
        raise ConfigError("MODERATION_SECRET_KEY: missing (call Config.with_secret_key() first)")
    check_dev_mailbox(config)
    in_flight = InFlight()
    app = web.Application(
        middlewares=[in_flight.middleware, error_middleware, body_deadline(config.body_timeout)],
        client_max_size=config.max_body_bytes,
    )
    app[in_flight_key] = in_flight
    app[config_key] = config
    app[clock_key] = clock
    setup_routes(app)
    links = app[links_key] = Links(app.router, config)
    app[languages_key] = Languages(config.language, functools.partial(make_templates, links=links))
    app[signer_key] = LinkSigner(config.secret_key, config.link_ttl, clock)
    app[form_stamp_key] = FormStamp(config.secret_key, clock)
    app[pending_note_key] = PendingNote(config.secret_key, clock)
    app[proof_of_work_key] = ProofOfWork(config.secret_key, clock)
    app[metrics_key] = Metrics()
    app[rendered_threads_key] = RenderedThreads()
    if config.rate:
        app[rate_limit_key] = RateLimit(config.rate)
    app[spam_guard_key] = SpamGuard(
        app[form_stamp_key],
        spam_words=config.spam_words + config.blocklist,  # MODERATION_BLOCKLIST: the older name
        hold_words=config.hold_words,
        deny_link_domains=config.deny_link_domains,
        max_links=config.max_links,
        # The site's own replies never come this way: only readers' comments are scored.
        assess=lambda submission: app[store_key].spam_model.assess(
            submission.name, submission.website, submission.body
        ),
        spam_above=config.spam_auto,
    )
    app[signin_limits_key] = SigninLimits(clock)
    app[after_answer_tasks_key] = set()
    app[data_requests_key] = RateLimit(DATA_REQUESTS, clock)
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(finish_after_answers)
    # One resource each, in the order they depend on one another; cleanup runs in reverse.
    app.cleanup_ctx.append(store_context)
    app.cleanup_ctx.append(thread_states_context)
    if config.dev_mailbox:
        app.cleanup_ctx.append(dev_mailbox_context)
    if config.webhooks:
        app.cleanup_ctx.append(webhooks_context)
    app.cleanup_ctx.append(sender_context)
    app.cleanup_ctx.append(digests_context)
    app.cleanup_ctx.append(retention_context)
    return app


def service_links(config: Config) -> Links:
    """The service's links away from a running app (a store the CLI opens): the same route table."""
    routes = web.Application()
    setup_routes(routes)
    return Links(routes.router, config)


def make_templates(language: Language, *, links: Links) -> jinja2.Environment:
    # One environment per language for pages, feeds and emails: .html and .xml are escaped, .txt
    # (mail text) is not. Messages are {% trans %} blocks and _() calls, in the new style: _()
    # escapes what it is given and fills in %(name)s itself.
    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder("templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    templates.install_gettext_translations(language.translations, newstyle=True)  # type: ignore[attr-defined]
    templates.policies["ext.i18n.trimmed"] = True  # a message's line breaks are the template's, not the text's
    templates.filters["linkify"] = linkify
    templates.globals.update(language=language, lang=language.code, format_date=language.date)
    templates.globals.update(count_text=language.comment_count)
    templates.globals.update(links=links)  # every address a page shows
    templates.globals.update(spam_line=functools.partial(spam_line, language))
    templates.globals.update(holds_line=functools.partial(holds_line, language))  # beside it: what held it
    return templates


async def store_context(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    store = await open_store(config, app[clock_key], app[links_key])
    try:
        if not config.worker_name:  # a worker's supervisor has migrated, once for all of them
            applied = await store.migrate()
            if applied:
                log.info("applied migrations: %s", ", ".join(applied))
        app[store_key] = store
        store.on_commit(partial(wake_senders, app))
        yield
    finally:
        await store.close()


async def thread_states_context(app: web.Application) -> AsyncIterator[None]:
    """On PostgreSQL, thread states in memory, forgotten as any instance announces a change."""
    threads = app[store_key].threads
    app[metrics_key].watch_thread_states(threads.states)
    async with threads.kept_in_memory():
        yield


def wake_senders(app: web.Application) -> None:
    """A commit wrote mail or webhooks: each sender running looks now, not at its next poll."""
    for key in (sender_key, webhook_sender_key):
        if sender := app.get(key):
            sender.wake()


async def dev_mailbox_context(app: web.Application) -> AsyncIterator[None]:
    """With no SMTP server configured, the service catches its own mail on loopback."""
    config = app[config_key]
    app[dev_mailbox_key] = config.data_dir / "mailbox"
    server, port = await start_dev_mailbox(app[dev_mailbox_key])
    app[dev_smtp_key] = SmtpSettings(host="127.0.0.1", port=port, timeout=config.smtp_timeout)
    log.info("dev mailbox: mail is caught on 127.0.0.1:%d and shown at %s/dev/mailbox", port, config.public_url)
    yield
    server.close()
    await server.wait_closed()


@contextlib.asynccontextmanager
async def running(sender: MailSender | WebhookSender, name: str) -> AsyncIterator[None]:
    """The sender's loop as a task while the block lasts; stopped and awaited after it."""
    task = asyncio.create_task(sender.run(), name=name)
    try:
        yield
    finally:
        sender.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def sender_context(app: web.Application) -> AsyncIterator[None]:
    config, store = app[config_key], app[store_key]
    sender = MailSender(
        store.mail,
        app.get(dev_smtp_key) or SmtpSettings.from_config(config),
        Composer(config=config, signer=app[signer_key], languages=app[languages_key], links=app[links_key]),
        app[metrics_key],
        config,
        clock=app[clock_key],
        quiet=app[in_flight_key].quiet,
        prepare=Outgoing(store.digests, app[metrics_key], cap=config.burst_cap, clock=app[clock_key]).before_send,
        end_subscriptions=store.readers.end_subscriptions_of,
    )
    app[sender_key] = sender
    async with running(sender, "outbox sender"):
        yield


async def webhooks_context(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    sender = WebhookSender(
        app[store_key].webhooks,
        config.webhook_secret,
        app[metrics_key],
        config,
        clock=app[clock_key],
        timeout=config.webhook_timeout,
        quiet=app[in_flight_key].quiet,
    )
    app[webhook_sender_key] = sender
    async with running(sender, "webhook sender"):
        yield


async def retention_context(app: web.Application) -> AsyncIterator[None]:
    config = app[config_key]
    task = asyncio.create_task(purge_daily(app[store_key], config.retention_days, app[clock_key]), name="retention")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def digests_context(app: web.Application) -> AsyncIterator[None]:
    writer = DigestWriter(app[store_key].digests, app[config_key], clock=app[clock_key])
    task = asyncio.create_task(writer.run(), name="digests")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
