"""Configuration: one frozen object, read once from the MODERATION_* variables."""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any, TypeVar, overload
from urllib.parse import urlsplit

from .i18n import shipped
from .resources import ROOT as ROOT  # the checkout: tests and bench import it from here
from .sealing import Sealer, SealingError, load_sealer, parse_data_keys, parse_index_key

log = logging.getLogger(__name__)


class ConfigError(ValueError):
    """A bad setting; the message is one line that names the variable."""


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError("must be a port number from 0 to 65535")
    return port


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a whole number above 0")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be a number of seconds above 0")
    return number


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be a whole number, 0 or more")
    return number


def _words(value: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in value.split(",") if word.strip())


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _webhooks(value: str) -> tuple[str, ...]:
    found: list[str] = []
    for item in (item.strip() for item in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        try:
            parts.port  # noqa: B018 (read for its check: a port out of range raises)
        except ValueError:
            raise ValueError(f"{item!r} has no valid port") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{item!r} is not an http:// or https:// URL")
        if item not in found:  # one delivery per URL, however often it is listed
            found.append(item)
    return tuple(found)


def _origin(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"{value.strip()!r} is not an origin like https://blog.example")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _origins(value: str) -> tuple[str, ...]:
    return tuple(_origin(item) for item in value.split(",") if item.strip())


def _addresses(value: str) -> tuple[str, ...]:
    # Operators may use local names (moderator@localhost) that a commenter may not, so the
    # check here is the syntax of an address, not whether the world could deliver to it.
    found = tuple(item.strip() for item in value.split(",") if item.strip())
    for address in found:
        name, parsed = parseaddr(address)
        local, _, domain = parsed.rpartition("@")
        if name or parsed != address or not local or not domain:
            raise ValueError(f"{address!r} is not an email address")
    if not found:
        raise ValueError("must name at least one address")
    return found


def _address(value: str) -> str:
    found = _addresses(value)
    if len(found) != 1:
        raise ValueError("must be a single address")
    return found[0]


def _database_url(value: str) -> str:
    if value.startswith(("postgresql://", "postgres://")) or (value.startswith("sqlite:///") and value != "sqlite:///"):
        return value
    raise ValueError("must be sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database")


def _data_keys(value: str) -> str:
    try:
        parse_data_keys(value)
    except SealingError as error:
        raise ValueError(str(error).partition(": ")[2]) from None
    return value


def _index_key(value: str) -> str:
    try:
        parse_index_key(value)
    except SealingError as error:
        raise ValueError(str(error).partition(": ")[2]) from None
    return value


def _language(value: str) -> str:
    code = value.strip().lower()
    if code not in shipped():
        raise ValueError(f"{value!r} does not ship; the languages that do: {', '.join(shipped())}")
    return code


def _tls(value: str) -> str:
    if value not in ("none", "starttls", "tls"):
        raise ValueError("must be none, starttls or tls")
    return value


NOTIFY_MODES = ("immediate", "hourly", "daily")


def _notify(value: str) -> str:
    if value not in NOTIFY_MODES:
        raise ValueError("must be immediate, hourly or daily")
    return value


def _burst_cap(value: str) -> int | None:
    if value.strip().lower() == "off":
        return None
    try:
        return _positive_int(value)
    except ValueError:
        raise ValueError("must be a whole number above 0, or off") from None


def _env(value: str) -> str:
    if value not in ("development", "production"):
        raise ValueError("must be development or production")
    return value


RATE = re.compile(r"^(\d+)\s*/\s*(?:(\d+)\s*)?(second|minute|hour|day)s?$")
PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


def parse_rate(value: str) -> tuple[int, float]:
    """'5/minute' -> (5, 60.0), '3/15 minutes' -> (3, 900.0): so many in any window of so many seconds."""
    found = RATE.match(value.strip().lower())
    if not found or int(found.group(1)) < 1 or found.group(2) == "0":
        raise ValueError(f"{value!r} is not a rate like 5/minute")
    return int(found.group(1)), int(found.group(2) or 1) * PERIODS[found.group(3)]


def _rate_limit(value: str) -> str | None:
    if value.strip().lower() == "off":
        return None
    try:
        parse_rate(value)
    except ValueError:
        raise ValueError("must look like 5/minute, 100/hour or be off") from None
    return value.strip()


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(value: str) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in value.split(",") if item.strip())
    except ValueError as error:
        raise ValueError(f"must be comma-separated CIDRs ({error})") from None


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
def setting(env: str, default: Any, help: str, parse: Callable[[str], Any] = str, *, secret: bool = False) -> Any:
    """A config field read from the variable `env`, with its documentation beside it."""
    return field(default=default, repr=not secret, metadata={"env": env, "help": help, "parse": parse})


@dataclass(frozen=True)
class Config:
    host: str = setting("MODERATION_HOST", "127.0.0.1", "Address to listen on.")
    port: int = setting("MODERATION_PORT", 8080, "Port to listen on.", _port)
    public_url: str = setting(
        "MODERATION_PUBLIC_URL", "", "Base of every link in emails (default http://HOST:PORT).", _url
    )
    database_url: str = setting(
        "MODERATION_DATABASE_URL",
        "sqlite:///data/comments.sqlite3",
        "sqlite:///relative/or//absolute/path, or postgresql://user@host:port/db.",
        _database_url,
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
        _data_keys,
        secret=True,
    )
    index_key: str = setting(
        "MODERATION_INDEX_KEY",
        "",
        "id:base64-32-bytes: the keyed-hash index that finds stored addresses."
        " Generated once into the data folder if unset; required in production.",
        _index_key,
        secret=True,
    )
    env: str = setting("MODERATION_ENV", "development", "development or production.", _env)
    moderators: tuple[str, ...] = setting(
        "MODERATION_MODERATORS",
        ("moderator@localhost",),
        "Comma-separated moderator addresses; each gets every pending comment.",
        _addresses,
    )
    notify: str = setting(
        "MODERATION_NOTIFY",
        "immediate",
        "Moderator mail: immediate (one per comment, up to MODERATION_BURST_CAP an hour, the rest in an"
        " hourly digest), hourly or daily (one digest per period).",
        _notify,
    )
    burst_cap: int | None = setting(
        "MODERATION_BURST_CAP",
        20,
        "In immediate mode, mails about single comments to one moderator per clock hour; the rest of"
        " the hour's come in one digest on the hour. off: no cap.",
        _burst_cap,
    )
    smtp_host: str = setting("MODERATION_SMTP_HOST", "", "SMTP server; unset starts the dev mailbox.")
    smtp_port: int = setting("MODERATION_SMTP_PORT", 587, "SMTP port.", _port)
    smtp_username: str = setting("MODERATION_SMTP_USERNAME", "", "SMTP user, if the server wants one.")
    smtp_password: str = setting("MODERATION_SMTP_PASSWORD", "", "SMTP password.", secret=True)
    smtp_tls: str = setting("MODERATION_SMTP_TLS", "starttls", "none, starttls or tls.", _tls)
    mail_from: str = setting("MODERATION_MAIL_FROM", "comments@localhost", "Sender of every email.", _address)
    reader_mail_from: str = setting(
        "MODERATION_READER_MAIL_FROM",
        "",
        "Sender of mail to readers: published, confirm, replies (default: MODERATION_MAIL_FROM).",
        _address,
    )
    allowed_origins: tuple[str, ...] = setting(
        "MODERATION_ALLOWED_ORIGINS",
        (),
        "Comma-separated site origins that may embed, post and be redirected back to "
        "(default: the public URL's origin).",
        _origins,
    )
    rate_limit: str | None = setting(
        "MODERATION_RATE_LIMIT", "5/minute", "Submissions per client address, or off.", _rate_limit
    )
    trusted_proxies: tuple[Network, ...] = setting(
        "MODERATION_TRUSTED_PROXIES", (), "CIDRs whose X-Forwarded-For is believed.", _networks
    )
    link_ttl: int = setting("MODERATION_LINK_TTL", 604800, "Seconds a moderation link stays valid.", _positive_int)
    signin_ttl: int = setting(
        "MODERATION_SIGNIN_TTL", 900, "Seconds a moderator's emailed sign-in link stays valid.", _positive_int
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
        _language,
    )
    blocklist: tuple[str, ...] = setting(
        "MODERATION_BLOCKLIST",
        (),
        "Comma-separated words, phrases or domains that make a comment spam (kept, never emailed).",
        _words,
    )
    hold_words: tuple[str, ...] = setting(
        "MODERATION_HOLD_WORDS",
        (),
        "Comma-separated words that flag a comment for a closer look in the moderator email.",
        _words,
    )
    max_links: int = setting(
        "MODERATION_MAX_LINKS", 3, "More links than this in a comment flag it for a closer look.", _count
    )
    close_after_days: int | None = setting(
        "MODERATION_CLOSE_AFTER_DAYS",
        None,
        "Days after a thread's first comment when it stops taking new ones (unset: never;"
        " `moderation threads close|open KEY` decides by hand).",
        _positive_int,
    )
    retention_days: int = setting(
        "MODERATION_RETENTION_DAYS",
        30,
        "Days after which rejected and spam comments lose their email address (moderation purge).",
        _positive_int,
    )

    webhooks: tuple[str, ...] = setting(
        "MODERATION_WEBHOOKS",
        (),
        "Comma-separated http(s) URLs that get a signed JSON POST for each new, approved, rejected or spam comment.",
        _webhooks,
    )
    webhook_secret: str = setting(
        "MODERATION_WEBHOOK_SECRET",
        "",
        "The HMAC-SHA256 key that signs every webhook; required with MODERATION_WEBHOOKS.",
        secret=True,
    )

    smtp_timeout: float = setting(
        "MODERATION_SMTP_TIMEOUT",
        30.0,
        "Seconds to wait for each SMTP step before the try counts as failed.",
        _positive_float,
    )

    # Tuning knobs without a variable: tests shorten them.
    retry_base: float = 2.0  # first gap between tries, doubled each time
    retry_cap: float = 60.0  # the longest gap between tries
    mail_max_age: float = 3 * 86400  # a mail (or a webhook) still unsent after this is given up
    outbox_poll: float = 5.0  # how often to look for due mail nobody woke us for
    heartbeat: float = 2.0  # how often a sender says it is alive (see mail/sender.py)
    webhook_timeout: float = 10.0  # the longest one webhook delivery may take, all told
    digest_poll: float = 30.0  # the longest the digest task sleeps before it looks at the clock again
    max_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
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
        if config.env == "production":
            if not config.secret_key:
                raise ConfigError("MODERATION_SECRET_KEY: required when MODERATION_ENV=production")
            if not config.smtp_host:
                raise ConfigError("MODERATION_SMTP_HOST: required when MODERATION_ENV=production")
            for variable, value in (
                ("MODERATION_DATA_KEYS", config.data_keys),
                ("MODERATION_INDEX_KEY", config.index_key),
            ):
                if not value:
                    raise ConfigError(f"{variable}: required when MODERATION_ENV=production")
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
                production=self.env == "production",
                legacy_secret=self.secret_key,
            )
        except SealingError as error:
            raise ConfigError(str(error)) from None


def documented_variables() -> list[tuple[str, Any, str]]:
    """(variable, default, help) for every setting: what the README must list."""
    return [
        (f.metadata["env"], f.default, f.metadata["help"]) for f in dataclasses.fields(Config) if "env" in f.metadata
    ]
