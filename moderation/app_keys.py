"""Every application key, typed, in one place."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from .challenge import ProofOfWork
from .config import Config
from .i18n import Languages
from .links import Links
from .mail.sender import MailSender
from .mail.smtp import SmtpSettings
from .metrics import Metrics
from .rate_limits import RateLimit, SigninLimits
from .rendered_threads import RenderedThreads
from .requests_in_flight import InFlight
from .spam import SpamGuard
from .store import Store
from .tokens import FormStamp, LinkSigner, PendingNote
from .webhooks.sender import WebhookSender

config_key = web.AppKey("config", Config)
clock_key: web.AppKey[Callable[[], float]] = web.AppKey("clock")
languages_key = web.AppKey("languages", Languages)
links_key = web.AppKey("links", Links)
signer_key = web.AppKey("signer", LinkSigner)
form_stamp_key = web.AppKey("form_stamp", FormStamp)
pending_note_key = web.AppKey("pending_note", PendingNote)
proof_of_work_key = web.AppKey("proof_of_work", ProofOfWork)
spam_guard_key = web.AppKey("spam_guard", SpamGuard)
metrics_key = web.AppKey("metrics", Metrics)
rate_limit_key = web.AppKey("rate_limit", RateLimit)
store_key = web.AppKey("store", Store)
sender_key = web.AppKey("sender", MailSender)
webhook_sender_key = web.AppKey("webhook_sender", WebhookSender)
dev_mailbox_key = web.AppKey("dev_mailbox", Path)
dev_smtp_key = web.AppKey("dev_smtp", SmtpSettings)
rendered_threads_key = web.AppKey("rendered_threads", RenderedThreads)
in_flight_key = web.AppKey("in_flight", InFlight)
signin_limits_key = web.AppKey("signin_limits", SigninLimits)
# Work done after its answer went (a sign-in link, a /mydata link, written so that the answer's
# time tells nothing): the answer does not wait for it, shutdown does (views/requests.py).
after_answer_tasks_key: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("after_answer_tasks")
# /mydata requests per client address (views/my_data.py).
data_requests_key = web.AppKey("data_requests", RateLimit)
