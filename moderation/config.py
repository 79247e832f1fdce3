"""Configuration: one frozen object, read once from the MODERATION_* variables."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

from . import setting_parsers as read
from .errors import ConfigError, SealingError
from .resources import ROOT as ROOT  # the checkout: tests and bench import it from here
from .sealer import Sealer, load_sealer
from .setting_parsers import ChallengeMode as ChallengeMode
from .setting_parsers import Env as Env
from .setting_parsers import NotifyMode as NotifyMode
from .setting_parsers import Rate as Rate
from .setting_parsers import SmtpTls as SmtpTls

log = logging.getLogger(__name__)


Default = TypeVar("Default")
Parsed = TypeVar("Parsed")


# Typed so that a default or a parser that does not fit its field fails mypy: the field holds
# either the default or what the parser made of the variable.
@overload
def setting(env: str, default: str, help: str, *, secret: bool = False) -> str: ...
@overload
def setting(
    env: str, default: Default, help: str, parse: Callable[[str], Parsed], *, secret: bool = False
) -> Default | Parsed: ...
def setting(
    env: str, default: object, help: str, parse: Callable[[str], object] = str, *, secret: bool = False
) -> object:
    """A config field read from the variable `env`, with its documentation beside it."""
    return field(default=default, repr=not secret, metadata={"env": env, "help": help, "parse": parse})


@dataclass(frozen=True)
class Config:
    host: str = setting("MODERATION_HOST", "127.0.0.1", "Address to listen on.")
    port: int = setting("MODERATION_PORT", 8080, "Port to listen on.", read.port)
    public_url: str = setting(
        "MODERATION_PUBLIC_URL", "", "Base of every link in emails (default http://HOST:PORT).", read.url
    )
    database_url: str = setting(
        "MODERATION_DATABASE_URL",
        "sqlite:///data/comments.sqlite3",
        "sqlite:///relative/or//absolute/path, or postgresql://user@host:port/db.",
        read.database_url,
    )
    secret_key: str = setting(
        "MODERATION_SECRET_KEY",
        "",
        "Signs every link and token. Generated once into the data folder if unset.",
        secret=True,
    )
    data_keys: str = setting(
        "MODERATION_DATA_KEYS",
        "",
        "id:base64-32-bytes,...: AES-GCM keys for stored addresses; the first encrypts, all decrypt."
        " Generated once into the data folder if unset; required in production.",
        read.data_keys,
        secret=True,
    )
    index_key: str = setting(
        "MODERATION_INDEX_KEY",
        "",
        "id:base64-32-bytes: the keyed-hash index that finds stored addresses."
        " Generated once into the data folder if unset; required in production.",
        read.index_key,
        secret=True,
    )
    env: Env = setting("MODERATION_ENV", Env.DEVELOPMENT, "development or production.", read.env)
    moderators: tuple[str, ...] = setting(
        "MODERATION_MODERATORS",
        ("moderator@localhost",),
        "Comma-separated moderator addresses; each gets every pending comment.",
        read.addresses,
    )
    notify: NotifyMode = setting(
        "MODERATION_NOTIFY",
        NotifyMode.IMMEDIATE,
        "Moderator mail: immediate (one per comment, up to MODERATION_BURST_CAP an hour, the rest in an"
        " hourly digest), hourly or daily (one digest per period).",
        read.notify,
    )
    burst_cap: int | None = setting(
        "MODERATION_BURST_CAP",
        20,
        "In immediate mode, mails about single comments to one moderator per clock hour; the rest of"
        " the hour's come in one digest on the hour. off: no cap.",
        read.burst_cap,
    )
    smtp_host: str = setting("MODERATION_SMTP_HOST", "", "SMTP server; unset starts the dev mailbox.")
    smtp_port: int = setting("MODERATION_SMTP_PORT", 587, "SMTP port.", read.port)
    smtp_username: str = setting("MODERATION_SMTP_USERNAME", "", "SMTP user, if the server wants one.")
    smtp_password: str = setting("MODERATION_SMTP_PASSWORD", "", "SMTP password.", secret=True)
    smtp_tls: SmtpTls = setting("MODERATION_SMTP_TLS", SmtpTls.STARTTLS, "none, starttls or tls.", read.tls)
    mail_from: str = setting("MODERATION_MAIL_FROM", "comments@localhost", "Sender of every email.", read.address)
    reader_mail_from: str = setting(
        "MODERATION_READER_MAIL_FROM",
        "",
        "Sender of mail to readers: published, confirm, replies (default: MODERATION_MAIL_FROM).",
        read.address,
    )
    allowed_origins: tuple[str, ...] = setting(
        "MODERATION_ALLOWED_ORIGINS",
        (),
        "Comma-separated site origins that may embed, post and be redirected back to "
        "(default: the public URL's origin).",
        read.origins,
    )
    rate_limit: str | None = setting(
        "MODERATION_RATE_LIMIT", "5/minute", "Submissions per client address, or off.", read.rate_limit
    )
    trusted_proxies: tuple[read.Network, ...] = setting(
        "MODERATION_TRUSTED_PROXIES", (), "CIDRs whose X-Forwarded-For is believed.", read.networks
    )
    link_ttl: int = setting("MODERATION_LINK_TTL", 604800, "Seconds a moderation link stays valid.", read.positive_int)
    signin_ttl: int = setting(
        "MODERATION_SIGNIN_TTL", 900, "Seconds a moderator's emailed sign-in link stays valid.", read.positive_int
    )
    site_name: str = setting(
        "MODERATION_SITE_NAME",
        "",
        "The name replies from the moderation queue are published under (default: the site's host name).",
    )
    language: str = setting(
        "MODERATION_LANGUAGE",
        "en",
        "Language of moderator pages and mail, and of reader pages that ask for none (data-lang, lang): en, de or es.",
        read.language,
    )
    spam_words: tuple[str, ...] = setting(
        "MODERATION_SPAM_WORDS",
        (),
        "Words or phrases (comma-separated, or @PATH of a UTF-8 file with one a line) that send a comment"
        " to spam (kept, never emailed), found in its name, website or body.",
        read.words,
    )
    blocklist: tuple[str, ...] = setting(
        "MODERATION_BLOCKLIST",
        (),
        "The older name of MODERATION_SPAM_WORDS: its words are added to those.",
        read.words,
    )
    hold_words: tuple[str, ...] = setting(
        "MODERATION_HOLD_WORDS",
        (),
        "Words or phrases (comma-separated, or @PATH) that hold a comment for a closer look, named in"
        " the moderator mail.",
        read.words,
    )
    deny_link_domains: tuple[str, ...] = setting(
        "MODERATION_DENY_LINK_DOMAINS",
        (),
        "Domains (comma-separated, or @PATH) whose links, or their sub-domains', in a comment's body or"
        " website send it to spam.",
        read.domains,
    )
    max_links: int = setting(
        "MODERATION_MAX_LINKS", 3, "More links than this in a comment flag it for a closer look.", read.count
    )
    spam_auto: float | None = setting(
        "MODERATION_SPAM_AUTO",
        None,
        "off, or a score such as 0.98: a comment the spam classifier scores above it goes to spam at"
        " once, without moderator mail (it never publishes anything).",
        read.spam_auto,
    )
    challenge: ChallengeMode = setting(
        "MODERATION_CHALLENGE",
        ChallengeMode.SUSPICIOUS,
        "When a JSON post must carry a solved proof of work: off, suspicious (when the client nears the"
        " rate limit, or a classifier that has learned enough finds the comment likely spam) or always."
        " A plain form post is never refused for it: it waits for a moderator with the hold no_challenge.",
        read.challenge,
    )
    crisis_message: str = setting(
        "MODERATION_CRISIS_MESSAGE",
        "",
        "What a reader whose comment speaks of a crisis (suicide, self-harm, an overdose, a medical"
        " emergency) is shown at once, as written (default: where to call, in the reader's language).",
        read.message,
    )
    close_after_days: int | None = setting(
        "MODERATION_CLOSE_AFTER_DAYS",
        None,
        "Days after a thread's first comment when it stops taking new ones (unset: never;"
        " `moderation threads close|open KEY` decides by hand).",
        read.positive_int,
    )
    retention_days: int = setting(
        "MODERATION_RETENTION_DAYS",
        30,
        "Days after which rejected and spam comments lose their email address (moderation purge).",
        read.positive_int,
    )

    webhooks: tuple[str, ...] = setting(
        "MODERATION_WEBHOOKS",
        (),
        "Comma-separated http(s) URLs that get a signed JSON POST for each new, approved, rejected or spam comment.",
        read.webhooks,
    )
    webhook_secret: str = setting(
        "MODERATION_WEBHOOK_SECRET",
        "",
        "The HMAC-SHA256 key that signs every webhook; required with MODERATION_WEBHOOKS.",
        secret=True,
    )

    workers: int = setting(
        "MODERATION_WORKERS",
        1,
        "Processes serving the one port (SO_REUSEPORT), each with its own event loop: about one a core."
        " 1: one process, no supervisor.",
        read.workers,
    )

    smtp_timeout: float = setting(
        "MODERATION_SMTP_TIMEOUT",
        30.0,
        "Seconds to wait for each SMTP step before the try counts as failed.",
        read.positive_float,
    )

    # Tuning knobs without a variable: tests shorten them.
    retry_base: float = 2.0  # first gap between tries, doubled each time
    retry_cap: float = 60.0  # the longest gap between tries
    mail_max_age: float = 3 * 86400  # a mail (or a webhook) still unsent after this is given up
    outbox_poll: float = 5.0  # how often to look for due mail nobody woke us for
    listen_retry: float = 1.0  # PostgreSQL: first wait before listening for thread changes again
    heartbeat: float = 2.0  # how often a sender says it is alive (see mail/sender.py)
    webhook_timeout: float = 10.0  # the longest one webhook delivery may take, all told
    digest_poll: float = 30.0  # the longest the digest task sleeps before it looks at the clock again
    max_body_bytes: int = 64 * 1024
    body_timeout: float = 30.0  # a request body not all there after this is dropped (408)
    # Set by the supervisor (supervisor.py) in each worker it starts: "RUN-SLOT". A worker does
    # not migrate, shares the port, and names its senders' claims after it.
    worker_name: str = ""

    # MODERATION_RATE_LIMIT read once into its numbers; None: off.
    rate: Rate | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Modes given as their text (Config(notify="daily")) become their members.
        object.__setattr__(self, "env", Env(self.env))
        object.__setattr__(self, "notify", NotifyMode(self.notify))
        object.__setattr__(self, "smtp_tls", SmtpTls(self.smtp_tls))
        object.__setattr__(self, "challenge", ChallengeMode(self.challenge))
        object.__setattr__(self, "rate", read.parse_rate(self.rate_limit) if self.rate_limit else None)
        # Derived defaults, so that every other part sees finished values.
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}")
        if not self.allowed_origins:
            object.__setattr__(self, "allowed_origins", (self.public_origin,))
        if not self.reader_mail_from:
            object.__setattr__(self, "reader_mail_from", self.mail_from)
        if not self.site_name:
            object.__setattr__(self, "site_name", urlsplit(self.allowed_origins[0]).hostname)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        # Any: each value is what its own field's parser made, which no one type of a dict can say
        # for cls(**values).
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            env = f.metadata.get("env")
            raw = environ.get(env, "").strip() if env else ""
            if not raw:
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except ValueError as error:
                reason = str(error)
                if reason.startswith(("invalid literal", "could not convert")):  # int() and float() own words
                    reason = "must be a number"
                raise ConfigError(f"{env}: {reason}") from None
        config = cls(**values)
        if config.webhooks and not config.webhook_secret:
            raise ConfigError("MODERATION_WEBHOOK_SECRET: required when MODERATION_WEBHOOKS is set")
        check_dev_mailbox(config)
        if config.env is Env.PRODUCTION:
            if not config.smtp_host:
                raise ConfigError("MODERATION_SMTP_HOST: required when MODERATION_ENV=production")
            check_production_keys(config)
        return config

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def dev_mailbox(self) -> bool:
        return not self.smtp_host

    @property
    def sqlite_path(self) -> Path | None:
        if not self.database_url.startswith("sqlite:///"):
            return None
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def data_dir(self) -> Path:
        """Where the service keeps its files: beside the SQLite file, or ./data."""
        path = self.sqlite_path
        return path.parent if path else Path("data")

    # Any: each change is its own field's type, which no one type for **changes can say.
    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def with_secret_key(self) -> Config:
        """Fill in a missing secret key from the data folder, generating it the first time."""
        if self.secret_key:
            return self
        key_file = self.data_dir / "secret_key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.touch(mode=0o600)
            key_file.write_text(secrets.token_urlsafe(32))
        log.warning(
            "MODERATION_SECRET_KEY is not set: using the generated key in %s. "
            "Set it explicitly before running more than one instance.",
            key_file,
        )
        return self.replace(secret_key=key_file.read_text().strip())

    def sealer(self) -> Sealer:
        """The keys that seal stored addresses; in development, generated into the data folder."""
        try:
            return load_sealer(
                self.data_keys,
                self.index_key,
                self.data_dir,
                production=self.env is Env.PRODUCTION,
                legacy_secret=self.secret_key,
            )
        except SealingError as error:
            raise ConfigError(str(error)) from None


MIN_SECRET_KEY = 32  # characters in production; ./generate-keys makes 43
GENERATE = "generate your own keys with ./generate-keys (see the README, Configuration)"
# Every key and placeholder that ships in this repository (docker-compose.yml's former defaults,
# README examples, the keys of the test suite and of the benchmark): public, so production
# refuses them, whole or as the key part of an `id:key` entry.
SHIPPED_KEYS = frozenset(
    {
        "change-me-before-production",
        "the-same-key-everywhere",
        "Y29tcG9zZSBvbmx5OiByZXBsYWNlIHRoaXMga2V5ISE=",
        "Y29tcG9zZSBpbmRleDogcmVwbGFjZSB0aGlzIGtleSE=",
        "a test secret that is long enough",
        "another secret, after a rotation",
        "bench secret, long enough to sign with",
        "ZGF0YSBrZXkgb2YgdGhlIHRlc3RzLCAzMiBieXRlcyE=",
        "aW5kZXgga2V5IG9mIHRoZSB0ZXN0cywgMzIgYnl0ZSE=",
        "A" * 43 + "=",  # 32 zero bytes
    }
)


def is_shipped(value: str) -> bool:
    """Whether a key setting is, or holds, a key that ships in the repository."""
    entries = [entry.strip() for entry in value.split(",")]
    candidates = {value.strip(), *entries, *(entry.partition(":")[2] for entry in entries)}
    return not candidates.isdisjoint(SHIPPED_KEYS)


def check_production_keys(config: Config) -> None:
    """Production runs only on keys of its own: present, none that ships here, a long secret."""
    keys = (
        ("MODERATION_SECRET_KEY", config.secret_key),
        ("MODERATION_DATA_KEYS", config.data_keys),
        ("MODERATION_INDEX_KEY", config.index_key),
    )
    for variable, value in keys:
        if not value:
            raise ConfigError(f"{variable}: required when MODERATION_ENV=production")
        if is_shipped(value):
            raise ConfigError(f"{variable}: this key ships with the service, so it is public: {GENERATE}")
        if variable == "MODERATION_SECRET_KEY" and len(value) < MIN_SECRET_KEY:
            raise ConfigError(f"{variable}: shorter than {MIN_SECRET_KEY} characters: {GENERATE}")


def is_loopback(host: str) -> bool:
    """Whether a listening address reaches this machine alone (a name other than localhost: no)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_dev_mailbox(config: Config) -> None:
    """The dev mailbox shows every sign-in and decision link: to this machine only."""
    if config.dev_mailbox and not is_loopback(config.host):
        raise ConfigError(
            "MODERATION_SMTP_HOST: required when MODERATION_HOST is not a loopback address"
            " (the dev mailbox would show every sign-in and decision link to the network)"
        )


def documented_variables() -> list[tuple[str, object, str]]:
    """(variable, default, help) for every setting: what the README must list."""
    return [
        (f.metadata["env"], f.default, f.metadata["help"]) for f in dataclasses.fields(Config) if "env" in f.metadata
    ]
