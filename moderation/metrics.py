"""Prometheus metrics, one registry per app (no process-wide globals)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .models import Backlog
from .store.thread_states import ThreadStates


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.comments_submitted = Counter(
            "moderation_comments_submitted", "Comments accepted for moderation.", registry=self.registry
        )
        self.comments_spam = Counter(
            "moderation_comments_spam", "Comments kept as spam, not emailed.", registry=self.registry
        )
        self.submissions_refused = Counter(
            "moderation_submissions_refused",
            "Submissions answered with an error, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "moderation_decisions", "Moderator decisions carried out, by action.", ["action"], registry=self.registry
        )
        self.mail_sent = Counter("moderation_mail_sent", "Emails handed to the SMTP server.", registry=self.registry)
        self.mail_retried = Counter(
            "moderation_mail_retried", "Email attempts that failed and will be tried again.", registry=self.registry
        )
        self.mail_failed = Counter(
            "moderation_mail_failed", "Emails given up on (refused for good or too old).", registry=self.registry
        )
        self.mail_folded = Counter(
            "moderation_mail_folded",
            "Emails past the burst cap, not sent: the hour's digest lists their comments.",
            registry=self.registry,
        )
        self.webhooks_sent = Counter(
            "moderation_webhooks_sent", "Webhooks a receiver answered with 2xx.", registry=self.registry
        )
        self.webhooks_retried = Counter(
            "moderation_webhooks_retried", "Webhook tries that failed and will be made again.", registry=self.registry
        )
        self.webhooks_failed = Counter(
            "moderation_webhooks_failed",
            "Webhooks given up on (refused for good, redirected or too old).",
            registry=self.registry,
        )
        self.outbox_pending = Gauge("moderation_outbox_pending", "Emails waiting to be sent.", registry=self.registry)
        self.outbox_failed = Gauge("moderation_outbox_failed", "Emails given up on, in total.", registry=self.registry)
        self.outbox_oldest = Gauge(
            "moderation_outbox_oldest_pending_seconds", "Age of the oldest email waiting.", registry=self.registry
        )

        self.webhook_outbox_pending = Gauge(
            "moderation_webhook_outbox_pending", "Webhooks waiting to be delivered.", registry=self.registry
        )
        self.webhook_outbox_failed = Gauge(
            "moderation_webhook_outbox_failed", "Webhooks given up on, in total.", registry=self.registry
        )
        self.webhook_outbox_oldest = Gauge(
            "moderation_webhook_outbox_oldest_pending_seconds",
            "Age of the oldest webhook waiting.",
            registry=self.registry,
        )

    def watch_thread_states(self, states: ThreadStates) -> None:
        self.registry.register(_ThreadStatesCollector(states))

    def render(self, backlog: Backlog, webhooks: Backlog) -> bytes:
        self.outbox_pending.set(backlog.pending)
        self.outbox_failed.set(backlog.failed)
        self.outbox_oldest.set(backlog.oldest_pending_seconds or 0)
        self.webhook_outbox_pending.set(webhooks.pending)
        self.webhook_outbox_failed.set(webhooks.failed)
        self.webhook_outbox_oldest.set(webhooks.oldest_pending_seconds or 0)
        return generate_latest(self.registry)


class _ThreadStatesCollector(Collector):
    """Where the thread states read for each request came from, counted by ThreadStates itself."""

    def __init__(self, states: ThreadStates):
        self._states = states

    def collect(self) -> Iterator[Metric]:
        reads = CounterMetricFamily(
            "moderation_thread_state_reads",
            "Reads of a thread's state (its ETag, whether it is closed), by where the answer came from.",
            labels=["source"],
        )
        reads.add_metric(["memory"], self._states.from_memory)
        reads.add_metric(["database"], self._states.from_database)
        yield reads
        yield GaugeMetricFamily(
            "moderation_thread_states_live",
            "1 while this instance hears of every thread change and keeps thread states in memory"
            " (PostgreSQL, listening); 0 while every read asks the database.",
            value=float(self._states.live),
        )
