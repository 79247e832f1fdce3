"""Configuration: every variable read, every bad value named, every variable documented."""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.config import ROOT, Config, Env, NotifyMode, Rate, SmtpTls, documented_variables
from moderation.errors import ConfigError
from tests import service
from tests.conftest import TEST_DATA_KEYS, TEST_INDEX_KEY

README = (ROOT / "README.md").read_text()


def test_defaults_are_the_documented_ones() -> None:
    config = Config.from_env({})
    assert (config.host, config.port) == ("127.0.0.1", 8080)
    assert config.public_url == "http://127.0.0.1:8080"
    assert config.database_url == "sqlite:///data/comments.sqlite3"
    assert config.sqlite_path == Path("data/comments.sqlite3")
    assert config.env == "development"
    assert config.moderators == ("moderator@localhost",)
    assert config.dev_mailbox
    assert (config.smtp_port, config.smtp_tls) == (587, "starttls")
    assert config.mail_from == "comments@localhost"
    assert config.allowed_origins == ("http://127.0.0.1:8080",)
    assert config.rate_limit == "5/minute"
    assert config.trusted_proxies == ()
    assert config.link_ttl == 604800
    assert config.notify == "immediate"
    assert config.burst_cap == 20
    assert config.signin_ttl == 900
    assert config.close_after_days is None  # threads never close by age unless asked
    assert config.spam_auto is None  # the classifier sends nothing to spam by itself unless asked
    assert config.workers == 1  # one process, no supervisor, unless asked
    assert config.site_name == "127.0.0.1"  # the host of the first allowed origin


# A good value for every documented variable and what it reads as: a new variable fails
# test_every_variable_has_a_sample until it is given one here.
KEY_A, KEY_B = base64.b64encode(b"a" * 32).decode(), base64.b64encode(b"b" * 32).decode()
SAMPLES: dict[str, tuple[str, object]] = {
    "MODERATION_HOST": ("0.0.0.0", "0.0.0.0"),
    "MODERATION_PORT": ("9000", 9000),
    "MODERATION_PUBLIC_URL": ("https://comments.clinic.example/", "https://comments.clinic.example"),
    "MODERATION_DATABASE_URL": (
        "postgresql://moderation@db.clinic.example:5432/comments",
        "postgresql://moderation@db.clinic.example:5432/comments",
    ),
    "MODERATION_SECRET_KEY": ("s3cret", "s3cret"),
    "MODERATION_ENV": ("production", "production"),
    "MODERATION_MODERATORS": ("a@clinic.example, b@clinic.example", ("a@clinic.example", "b@clinic.example")),
    "MODERATION_SMTP_HOST": ("smtp.clinic.example", "smtp.clinic.example"),
    "MODERATION_SMTP_PORT": ("465", 465),
    "MODERATION_SMTP_USERNAME": ("comments", "comments"),
    "MODERATION_SMTP_PASSWORD": ("hunter2", "hunter2"),
    "MODERATION_SMTP_TLS": ("tls", "tls"),
    "MODERATION_SMTP_TIMEOUT": ("7.5", 7.5),
    "MODERATION_MAIL_FROM": ("comments@clinic.example", "comments@clinic.example"),
    "MODERATION_READER_MAIL_FROM": ("replies@blog.clinic.example", "replies@blog.clinic.example"),
    "MODERATION_ALLOWED_ORIGINS": (
        "https://blog.clinic.example, https://WWW.clinic.example",
        ("https://blog.clinic.example", "https://www.clinic.example"),
    ),
    "MODERATION_RATE_LIMIT": ("10/hour", "10/hour"),
    "MODERATION_CHALLENGE": ("always", "always"),
    "MODERATION_TRUSTED_PROXIES": (
        "10.0.0.0/8, ::1/128",
        (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")),
    ),
    "MODERATION_LINK_TTL": ("3600", 3600),
    "MODERATION_SIGNIN_TTL": ("600", 600),
    "MODERATION_SITE_NAME": ("The Clinic's Blog", "The Clinic's Blog"),
    "MODERATION_LANGUAGE": ("DE", "de"),
    "MODERATION_SPAM_WORDS": ("casino, cheap-pills.example,casino", ("casino", "cheap-pills.example")),
    "MODERATION_BLOCKLIST": ("casino, cheap-pills.example", ("casino", "cheap-pills.example")),
    "MODERATION_HOLD_WORDS": ("dosage, side effects", ("dosage", "side effects")),
    "MODERATION_CRISIS_MESSAGE": ("Call our nurses:\n 0800 000 000.", "Call our nurses: 0800 000 000."),
    "MODERATION_DENY_LINK_DOMAINS": ("Pills.example., bücher.example", ("pills.example", "xn--bcher-kva.example")),
    "MODERATION_MAX_LINKS": ("0", 0),
    "MODERATION_SPAM_AUTO": ("0.98", 0.98),
    "MODERATION_RETENTION_DAYS": ("90", 90),
    "MODERATION_CLOSE_AFTER_DAYS": ("30", 30),
    "MODERATION_NOTIFY": ("daily", "daily"),
    "MODERATION_BURST_CAP": ("100", 100),
    "MODERATION_DATA_KEYS": (f"k2:{KEY_B},k1:{KEY_A}", f"k2:{KEY_B},k1:{KEY_A}"),
    "MODERATION_INDEX_KEY": (f"i1:{KEY_A}", f"i1:{KEY_A}"),
    "MODERATION_WEBHOOKS": (
        "https://hooks.clinic.example/comments, http://10.0.0.5:8000/in,https://hooks.clinic.example/comments",
        ("https://hooks.clinic.example/comments", "http://10.0.0.5:8000/in"),
    ),
    "MODERATION_WEBHOOK_SECRET": ("whsec-1f0e", "whsec-1f0e"),
    "MODERATION_WORKERS": ("2", 2),
}
# What production requires besides, so that MODERATION_ENV=production is read on its own too (and
# the webhooks' secret, so that MODERATION_WEBHOOKS is).
PRODUCTION_READY = {
    "MODERATION_WEBHOOK_SECRET": "w",
    "MODERATION_SECRET_KEY": secrets.token_urlsafe(32),  # production refuses any key written in the repository
    "MODERATION_SMTP_HOST": "smtp.x.example",
    "MODERATION_DATA_KEYS": f"k9:{KEY_B}",
    "MODERATION_INDEX_KEY": f"i9:{KEY_B}",
}
DOCUMENTED = [variable for variable, _, _ in documented_variables()]


def field_of(variable: str) -> str:
    (name,) = [f.name for f in dataclasses.fields(Config) if f.metadata.get("env") == variable]
    return name


def test_every_variable_has_a_sample() -> None:
    assert sorted(SAMPLES) == sorted(DOCUMENTED)


@pytest.mark.parametrize("variable", DOCUMENTED)
def test_every_variable_is_read_into_its_field(variable: str) -> None:
    value, expected = SAMPLES[variable]
    config = Config.from_env({**PRODUCTION_READY, variable: value})
    assert getattr(config, field_of(variable)) == expected
    without = Config.from_env(PRODUCTION_READY)
    assert getattr(without, field_of(variable)) != expected, "the sample must differ from what is read without it"


def test_rate_limit_can_be_switched_off() -> None:
    assert Config.from_env({"MODERATION_RATE_LIMIT": "off"}).rate_limit is None


def test_burst_cap_can_be_switched_off() -> None:
    assert Config.from_env({"MODERATION_BURST_CAP": "off"}).burst_cap is None


def test_the_site_name_is_the_blogs_host_unless_set() -> None:
    config = Config.from_env({"MODERATION_ALLOWED_ORIGINS": "https://blog.clinic.example, https://www.clinic.example"})
    assert config.site_name == "blog.clinic.example"


def test_reader_mail_comes_from_the_mail_from_address_unless_set() -> None:
    assert Config.from_env({"MODERATION_MAIL_FROM": "comments@clinic.example"}).reader_mail_from == (
        "comments@clinic.example"
    )


def test_allowed_origins_follow_the_public_url_by_default() -> None:
    config = Config.from_env({"MODERATION_PUBLIC_URL": "https://Comments.Clinic.example:8443/base"})
    assert config.allowed_origins == ("https://comments.clinic.example:8443",)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("MODERATION_PORT", "eighty"),
        ("MODERATION_PORT", "70000"),
        ("MODERATION_PUBLIC_URL", "comments.clinic.example"),
        ("MODERATION_DATABASE_URL", "mysql://localhost/comments"),
        ("MODERATION_DATABASE_URL", "sqlite:///"),
        ("MODERATION_ENV", "staging"),
        ("MODERATION_MODERATORS", "editor at clinic"),
        ("MODERATION_MODERATORS", " , "),
        ("MODERATION_SMTP_PORT", "-1"),
        ("MODERATION_SMTP_TLS", "ssl3"),
        ("MODERATION_MAIL_FROM", "a@clinic.example, b@clinic.example"),
        ("MODERATION_ALLOWED_ORIGINS", "https://blog.clinic.example/articles/"),
        ("MODERATION_ALLOWED_ORIGINS", "blog.clinic.example"),
        ("MODERATION_RATE_LIMIT", "lots"),
        ("MODERATION_CHALLENGE", "sometimes"),
        ("MODERATION_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("MODERATION_LINK_TTL", "0"),
        ("MODERATION_LINK_TTL", "a week"),
        ("MODERATION_NOTIFY", "weekly"),
        ("MODERATION_NOTIFY", "Hourly"),
        ("MODERATION_BURST_CAP", "0"),
        ("MODERATION_BURST_CAP", "none"),
        ("MODERATION_SIGNIN_TTL", "0"),
        ("MODERATION_LANGUAGE", "fr"),
        ("MODERATION_WEBHOOKS", "hooks.clinic.example/comments"),
        ("MODERATION_WEBHOOKS", "https://hooks.clinic.example/a, ftp://hooks.clinic.example/b"),
        ("MODERATION_WEBHOOKS", "https:///no-host"),
        ("MODERATION_CLOSE_AFTER_DAYS", "0"),
        ("MODERATION_CLOSE_AFTER_DAYS", "-7"),
        ("MODERATION_CLOSE_AFTER_DAYS", "a month"),
        ("MODERATION_CLOSE_AFTER_DAYS", "1.5"),
        ("MODERATION_SPAM_AUTO", "1"),
        ("MODERATION_SPAM_AUTO", "high"),
        ("MODERATION_SPAM_AUTO", "nan"),
        ("MODERATION_SPAM_WORDS", "@/nonexistent/spam-words.txt"),
        ("MODERATION_HOLD_WORDS", "@/"),
        ("MODERATION_HOLD_WORDS", "dosage, " + "a very long phrase " * 20),
        ("MODERATION_CRISIS_MESSAGE", "x" * 1001),
        ("MODERATION_CRISIS_MESSAGE", "a bell\x07"),
        ("MODERATION_DENY_LINK_DOMAINS", "https://pills.example/"),
        ("MODERATION_DENY_LINK_DOMAINS", "*.pills.example"),
        ("MODERATION_DENY_LINK_DOMAINS", "pills.example:8080"),
        ("MODERATION_WORKERS", "0"),
        ("MODERATION_WORKERS", "65"),
        ("MODERATION_WORKERS", "two"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert "\n" not in message


@pytest.mark.parametrize("variable", ["MODERATION_SPAM_WORDS", "MODERATION_HOLD_WORDS", "MODERATION_BLOCKLIST"])
def test_words_can_come_from_a_file_one_a_line_without_blank_lines_and_comments(tmp_path: Path, variable: str) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# what the clinic never publishes\ncasino\n\n  cheap pills  \nÖlkur, mit Komma\n# end\n", "utf-8")
    config = Config.from_env({variable: f"@{words}"})
    assert getattr(config, field_of(variable)) == ("casino", "cheap pills", "Ölkur, mit Komma")


def test_domains_can_come_from_a_file_too(tmp_path: Path) -> None:
    domains = tmp_path / "domains.txt"
    domains.write_text("# link farms\nPills.example\nbücher.example\n", "utf-8")
    config = Config.from_env({"MODERATION_DENY_LINK_DOMAINS": f"@{domains}"})
    assert config.deny_link_domains == ("pills.example", "xn--bcher-kva.example")


def test_a_words_file_that_cannot_be_read_is_one_line_naming_the_variable_and_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"MODERATION_HOLD_WORDS": f"@{missing}"})
    assert str(caught.value) == f"MODERATION_HOLD_WORDS: cannot read {missing}: No such file or directory"
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Ölkur\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"MODERATION_SPAM_WORDS": f"@{latin1}"})
    assert str(caught.value) == f"MODERATION_SPAM_WORDS: {latin1} is not UTF-8 text"


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({"MODERATION_ENV": "production", "MODERATION_SMTP_HOST": "smtp.x.example"}, "MODERATION_SECRET_KEY"),
        ({"MODERATION_ENV": "production", "MODERATION_SECRET_KEY": "k"}, "MODERATION_SMTP_HOST"),
    ],
)
def test_production_refuses_development_defaults(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=f"^{variable}: "):
        Config.from_env(environ)


def own_keys() -> dict[str, str]:
    """What ./generate-keys prints, by variable: keys no one else has."""
    return {f"MODERATION_{name}": value for name, value in service.generated_keys().items()}


def production(**keys: str) -> dict[str, str]:
    return {"MODERATION_ENV": "production", "MODERATION_SMTP_HOST": "smtp.x.example", **own_keys(), **keys}


def test_generate_keys_makes_keys_that_production_takes_and_new_ones_each_time() -> None:
    first, second = own_keys(), own_keys()
    assert sorted(first) == ["MODERATION_DATA_KEYS", "MODERATION_INDEX_KEY", "MODERATION_SECRET_KEY"]
    assert all(first[name] != second[name] for name in first)
    config = Config.from_env(production(**first))
    assert (config.secret_key, config.data_keys, config.index_key) == (
        first["MODERATION_SECRET_KEY"],
        first["MODERATION_DATA_KEYS"],
        first["MODERATION_INDEX_KEY"],
    )


@pytest.mark.parametrize("secret", ["x", "change-me", "y" * 31])
def test_production_refuses_a_secret_key_under_32_characters(secret: str) -> None:
    with pytest.raises(ConfigError, match="^MODERATION_SECRET_KEY: shorter than 32 characters") as caught:
        Config.from_env(production(MODERATION_SECRET_KEY=secret))
    assert "\n" not in str(caught.value)
    assert Config.from_env(production(MODERATION_SECRET_KEY="y" * 32)).secret_key == "y" * 32
    assert Config.from_env({"MODERATION_SECRET_KEY": secret}).secret_key == secret  # development takes it


KEY_VARIABLES = ("MODERATION_SECRET_KEY", "MODERATION_DATA_KEYS", "MODERATION_INDEX_KEY")
AES_KEY = re.compile(r"\b\w[\w-]*:[A-Za-z0-9+/]{43}=")


def key_like_values(text: str) -> set[tuple[str, str]]:
    """(variable, value) for every key written in a README or compose file: a value given to one
    of the key variables (a compose default too), and anything shaped like an `id:base64` key."""
    found = set()
    for variable, value in re.findall(
        r"(MODERATION_(?:SECRET_KEY|DATA_KEYS|INDEX_KEY))\s*[=:]\s*[\"']?([^\s\"'`]+)", text
    ):
        default = re.fullmatch(r"\$\{\w+:-([^}]*)\}", value)
        if default:
            found.add((variable, default.group(1)))
        elif not value.startswith("$"):  # "$(cat file)" and "${VAR:?...}" are the operator's own
            found.add((variable, value))
    for key in AES_KEY.findall(text):
        found |= {("MODERATION_DATA_KEYS", key), ("MODERATION_INDEX_KEY", key)}
    return found


def test_the_key_scan_finds_what_the_compose_file_once_shipped() -> None:
    once = "MODERATION_SECRET_KEY: ${MODERATION_SECRET_KEY:-change-me-before-production}\n"
    once += "MODERATION_DATA_KEYS: ${MODERATION_DATA_KEYS:-c1:Y29tcG9zZSBvbmx5OiByZXBsYWNlIHRoaXMga2V5ISE=}\n"
    assert key_like_values(once) == {
        ("MODERATION_SECRET_KEY", "change-me-before-production"),
        ("MODERATION_DATA_KEYS", "c1:Y29tcG9zZSBvbmx5OiByZXBsYWNlIHRoaXMga2V5ISE="),
        ("MODERATION_INDEX_KEY", "c1:Y29tcG9zZSBvbmx5OiByZXBsYWNlIHRoaXMga2V5ISE="),
    }


# What docker-compose.yml and the README once had, and the keys of the test suite.
FORMER_SECRETS = ("change-me-before-production", "the-same-key-everywhere", service.SECRET_KEY)
FORMER_KEYS = (
    "c1:Y29tcG9zZSBvbmx5OiByZXBsYWNlIHRoaXMga2V5ISE=",
    "c1:Y29tcG9zZSBpbmRleDogcmVwbGFjZSB0aGlzIGtleSE=",
    TEST_DATA_KEYS,
    TEST_INDEX_KEY,
    f"k2:{KEY_B},{TEST_DATA_KEYS}",  # behind a key of one's own, still there to open rows with
)
SHIPPED = sorted(
    key_like_values(README)
    | key_like_values((ROOT / "docker-compose.yml").read_text())
    | {("MODERATION_SECRET_KEY", secret) for secret in FORMER_SECRETS}
    | {(variable, key) for variable in KEY_VARIABLES[1:] for key in FORMER_KEYS}
)


@pytest.mark.parametrize("variable, value", SHIPPED)
def test_production_refuses_every_key_written_in_the_repository(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"^{variable}: ") as caught:
        Config.from_env(production(**{variable: value}))
    assert "\n" not in str(caught.value)


def test_the_scaling_out_example_gives_every_instance_every_key_they_share() -> None:
    section = README.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    example = section.split("```sh", 1)[1].split("```", 1)[0]
    assert all(variable in example for variable in KEY_VARIABLES), example


def test_webhooks_without_their_secret_stop_start_up_with_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_env({"MODERATION_WEBHOOKS": "https://hooks.clinic.example/comments"})
    assert str(caught.value) == "MODERATION_WEBHOOK_SECRET: required when MODERATION_WEBHOOKS is set"


def test_secrets_stay_out_of_the_repr() -> None:
    config = Config.from_env(
        {"MODERATION_SECRET_KEY": "k-9f2c", "MODERATION_SMTP_PASSWORD": "p-77ab", "MODERATION_WEBHOOK_SECRET": "w-31"}
    )
    assert "k-9f2c" not in repr(config) and "p-77ab" not in repr(config) and "w-31" not in repr(config)


def test_a_missing_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    config = Config(database_url=f"sqlite:///{tmp_path}/db/comments.sqlite3")
    first = config.with_secret_key()
    second = config.with_secret_key()
    key_file = tmp_path / "db" / "secret_key"
    assert first.secret_key and first.secret_key == second.secret_key == key_file.read_text().strip()
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def readme_variables() -> set[str]:
    rows = [row for row in README.splitlines() if row.startswith("| `MODERATION_")]
    return {variable for row in rows for variable in re.findall(r"`(MODERATION_\w+)`", row.split("|")[1])}


def test_readme_table_lists_exactly_the_variables_the_service_reads() -> None:
    table = readme_variables()
    assert sorted(set(DOCUMENTED) - table) == [], "settings missing from the README's table"
    assert sorted(table - set(DOCUMENTED)) == [], "README rows for variables the service does not read"


def test_readme_starts_with_the_run_and_test_commands_and_ci_runs_the_test_one() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.DOTALL)
    assert first_block and README.index("```sh") < 20
    run, test = first_block.group(1).strip().splitlines()
    assert run == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/moderation serve"
    assert test == "./run-tests"
    script = ROOT / "run-tests"
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script.read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^exec \./run-tests --ci\b", ci, re.MULTILINE), ci


BOTH_STORES_TEST = "tests/test_migrations.py::test_migrating_twice_changes_nothing_the_second_time"


def pytest_without_a_database(**environ: str) -> subprocess.CompletedProcess[str]:
    """A test that runs on SQLite and on PostgreSQL, in a pytest of its own with no database named."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("MODERATION_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", BOTH_STORES_TEST],
        cwd=ROOT,
        env=inherited | environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_database_the_postgresql_tests_are_skipped_but_ci_fails_them() -> None:
    newcomer = pytest_without_a_database()
    assert newcomer.returncode == 0, newcomer.stdout
    assert "1 passed, 1 skipped" in newcomer.stdout and "MODERATION_TEST_POSTGRES_URL" in newcomer.stdout
    ci = pytest_without_a_database(MODERATION_TEST_REQUIRE_ALL="1")  # what ./run-tests --ci exports
    assert ci.returncode == 1, ci.stdout
    assert "1 passed, 1 error" in ci.stdout and "nothing may be skipped" in ci.stdout


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "[2001:db8::1]", "comments.clinic.example"])
def test_the_dev_mailbox_is_refused_on_an_address_other_machines_reach(host: str) -> None:
    with pytest.raises(ConfigError, match="^MODERATION_SMTP_HOST: required when MODERATION_HOST is not a loopback"):
        Config.from_env({"MODERATION_HOST": host})
    assert Config.from_env({"MODERATION_HOST": host, "MODERATION_SMTP_HOST": "smtp.x.example"}).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "localhost"])
def test_the_dev_mailbox_is_served_on_a_loopback_address(host: str) -> None:
    assert Config.from_env({"MODERATION_HOST": host}).dev_mailbox


def test_modes_and_the_rate_limit_are_read_once_into_typed_values() -> None:
    environ = {"MODERATION_NOTIFY": "daily", "MODERATION_SMTP_TLS": "tls", "MODERATION_RATE_LIMIT": "3/15 minutes"}
    config = Config.from_env({**PRODUCTION_READY, "MODERATION_ENV": "production", **environ})
    assert (config.env, config.notify, config.smtp_tls) == (Env.PRODUCTION, NotifyMode.DAILY, SmtpTls.TLS)
    assert config.env is Env.PRODUCTION and config.notify is NotifyMode.DAILY and config.smtp_tls is SmtpTls.TLS
    assert config.rate == Rate(allowed=3, per_seconds=900.0)
    assert config.rate_limit == "3/15 minutes"  # the text as written stays what the setting shows
    assert Config.from_env({"MODERATION_RATE_LIMIT": "off"}).rate is None
    # Given as text to the constructor (as tests do), they become the same members.
    built = Config(notify="hourly", smtp_tls="none", rate_limit="2/minute")  # type: ignore[arg-type]
    assert built.notify is NotifyMode.HOURLY and built.smtp_tls is SmtpTls.NONE
    assert built.rate == Rate(2, 60.0)
    assert built.replace(rate_limit=None).rate is None
