"""How the text of each MODERATION_* variable becomes its value: each reader returns the value
or raises ValueError with the sentence that follows the variable's name in the start-up error."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, TypeVar
from urllib.parse import urlsplit

from .errors import SealingError
from .i18n import shipped
from .rules import domain_name
from .sealer import parse_data_keys, parse_index_key


def port(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 65535:
        raise ValueError("must be a port number from 0 to 65535")
    return number


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a whole number above 0")
    return number


def positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be a number of seconds above 0")
    return number


MAX_WORKERS = 64  # processes on one machine: beyond its cores they only cost memory


def workers(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_WORKERS:
        raise ValueError(f"must be a whole number from 1 to {MAX_WORKERS}")
    return number


def count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be a whole number, 0 or more")
    return number


MAX_WORD = 200  # characters of a word or phrase: rules.Words compiles each letter by letter


def words(value: str) -> tuple[str, ...]:
    """Comma-separated, or @PATH: a UTF-8 file with one word or phrase a line (blank lines and
    lines that start with # are skipped)."""
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not UTF-8 text") from None
        found = (line.strip() for line in lines if not line.strip().startswith("#"))
    else:
        found = (word.strip() for word in value.split(","))
    kept = tuple(dict.fromkeys(word for word in found if word))
    for word in kept:
        if len(word) > MAX_WORD:
            raise ValueError(f"{word[:20]!r}... is longer than {MAX_WORD} characters: no word or phrase is")
    return kept


MAX_MESSAGE = 1000  # characters of a message shown to readers: a few sentences


def message(value: str) -> str:
    """A few sentences shown to readers as written, on one line."""
    if any(ord(character) < 32 and character not in "\t\n\r" for character in value):
        raise ValueError("must be plain text, without control characters")
    text = " ".join(value.split())
    if len(text) > MAX_MESSAGE:
        raise ValueError(f"must be at most {MAX_MESSAGE} characters")
    return text


def domains(value: str) -> tuple[str, ...]:
    """Like words(), each a domain name, written as links' hosts are compared with it (IDNA, lower case)."""
    found = []
    for name in words(value):
        try:
            if "*" in name:
                raise ValueError(name)
            found.append(domain_name(name))
        except ValueError:
            raise ValueError(f"{name!r} is not a domain name like spam.example (its sub-domains go with it)") from None
    return tuple(dict.fromkeys(found))


def url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def webhooks(value: str) -> tuple[str, ...]:
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


def origin(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError(f"{value.strip()!r} is not an origin like https://blog.example")
    return f"{parts.scheme}://{parts.netloc}".lower()


def origins(value: str) -> tuple[str, ...]:
    return tuple(origin(item) for item in value.split(",") if item.strip())


def addresses(value: str) -> tuple[str, ...]:
    # Operators may use local names (moderator@localhost) that a commenter may not, so the
    # check here is the syntax of an address, not whether the world could deliver to it.
    found = tuple(item.strip() for item in value.split(",") if item.strip())
    for item in found:
        name, parsed = parseaddr(item)
        local, _, domain = parsed.rpartition("@")
        if name or parsed != item or not local or not domain:
            raise ValueError(f"{item!r} is not an email address")
    if not found:
        raise ValueError("must name at least one address")
    return found


def address(value: str) -> str:
    found = addresses(value)
    if len(found) != 1:
        raise ValueError("must be a single address")
    return found[0]


def database_url(value: str) -> str:
    if value.startswith(("postgresql://", "postgres://")) or (value.startswith("sqlite:///") and value != "sqlite:///"):
        return value
    raise ValueError("must be sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/database")


def data_keys(value: str) -> str:
    try:
        parse_data_keys(value)
    except SealingError as error:
        raise ValueError(str(error).partition(": ")[2]) from None
    return value


def index_key(value: str) -> str:
    try:
        parse_index_key(value)
    except SealingError as error:
        raise ValueError(str(error).partition(": ")[2]) from None
    return value


def language(value: str) -> str:
    code = value.strip().lower()
    if code not in shipped():
        raise ValueError(f"{value!r} does not ship; the languages that do: {', '.join(shipped())}")
    return code


Mode = TypeVar("Mode", bound=StrEnum)


def one_of(modes: type[Mode]) -> Callable[[str], Mode]:
    """The reader of a setting that names one of `modes`: "must be a, b or c" otherwise."""
    names = [mode.value for mode in modes]
    choices = f"{', '.join(names[:-1])} or {names[-1]}"

    def read(value: str) -> Mode:
        try:
            return modes(value)
        except ValueError:
            raise ValueError(f"must be {choices}") from None

    return read


class SmtpTls(StrEnum):
    """MODERATION_SMTP_TLS: how the SMTP session is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


tls = one_of(SmtpTls)


class NotifyMode(StrEnum):
    """MODERATION_NOTIFY: one mail per comment, or one digest per hour or day."""

    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"


notify = one_of(NotifyMode)


def burst_cap(value: str) -> int | None:
    if value.strip().lower() == "off":
        return None
    try:
        return positive_int(value)
    except ValueError:
        raise ValueError("must be a whole number above 0, or off") from None


def spam_auto(value: str) -> float | None:
    if value.strip().lower() == "off":
        return None
    try:
        threshold = float(value)
    except ValueError:
        threshold = -1.0
    if not 0 < threshold < 1:
        raise ValueError("must be a score between 0 and 1, like 0.98, or off")
    return threshold


class ChallengeMode(StrEnum):
    """MODERATION_CHALLENGE: when a JSON post must carry a solved proof of work (challenge.py)."""

    OFF = "off"
    SUSPICIOUS = "suspicious"  # near the rate limit, or likely spam to a classifier that learned enough
    ALWAYS = "always"


challenge = one_of(ChallengeMode)


class Env(StrEnum):
    """MODERATION_ENV: production refuses development's conveniences (see config.py)."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


env = one_of(Env)


RATE = re.compile(r"^(\d+)\s*/\s*(?:(\d+)\s*)?(second|minute|hour|day)s?$")
PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}


class Rate(NamedTuple):
    """So many submissions in any window of so many seconds."""

    allowed: int
    per_seconds: float


def parse_rate(value: str) -> Rate:
    """'5/minute' -> Rate(5, 60.0), '3/15 minutes' -> Rate(3, 900.0)."""
    found = RATE.match(value.strip().lower())
    if not found or int(found.group(1)) < 1 or found.group(2) == "0":
        raise ValueError(f"{value!r} is not a rate like 5/minute")
    return Rate(int(found.group(1)), int(found.group(2) or 1) * PERIODS[found.group(3)])


def rate_limit(value: str) -> str | None:
    if value.strip().lower() == "off":
        return None
    try:
        parse_rate(value)
    except ValueError:
        raise ValueError("must look like 5/minute, 100/hour or be off") from None
    return value.strip()


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(value: str) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in value.split(",") if item.strip())
    except ValueError as error:
        raise ValueError(f"must be comma-separated CIDRs ({error})") from None
