"""The per-address rate limit, on a clock the test moves."""

from __future__ import annotations

import pytest

from moderation.rate_limits import RateLimit
from moderation.setting_parsers import parse_rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "text, rate",
    [
        ("5/minute", (5, 60.0)),
        ("1/second", (1, 1.0)),
        ("100 / hours", (100, 3600.0)),
        ("3/DAY", (3, 86400.0)),
        ("3/15 minutes", (3, 900.0)),
        ("10/2hours", (10, 7200.0)),
    ],
)
def test_rates_are_read_as_count_per_period(text: str, rate: tuple[int, float]) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(
    "text", ["", "5", "five/minute", "0/minute", "5/fortnight", "-1/hour", "3/0 minutes", "3/-5 minutes"]
)
def test_other_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


def test_the_window_moves_with_time_and_says_how_long_to_wait() -> None:
    clock = Clock()
    limit = RateLimit("2/minute", clock)
    assert limit.retry_after("198.51.100.7") is None
    clock.now += 20
    assert limit.retry_after("198.51.100.7") is None
    clock.now += 10
    assert limit.retry_after("198.51.100.7") == 30  # the first one leaves the window in 30 s
    assert limit.retry_after("203.0.113.9") is None  # another client is not held up
    clock.now += 30
    assert limit.retry_after("198.51.100.7") is None
    assert limit.retry_after("198.51.100.7") == 20  # refused tries do not count against the client


def test_quiet_clients_are_forgotten_so_memory_stays_bounded() -> None:
    clock = Clock()
    limit = RateLimit("1/minute", clock)
    for n in range(10_001):
        limit.retry_after(f"10.0.{n // 256}.{n % 256}")
    clock.now += 61
    limit.retry_after("192.0.2.1")
    assert limit.retry_after("10.0.0.0") is None  # its old try has left the window
    assert len(limit._recent) < 100
