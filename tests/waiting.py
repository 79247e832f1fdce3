"""Waiting for what the service does in the background: one helper, not a loop per test."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")


@overload
async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 10.0, interval: float = 0.05) -> T: ...
@overload
async def eventually(check: Callable[[], T], timeout: float = 10.0, interval: float = 0.05) -> T: ...
async def eventually(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll `check` (sync or async) until it returns something truthy; return that.

    After `timeout` seconds: TimeoutError, whose traceback shows the line that waited.
    """
    async with asyncio.timeout(timeout):
        while True:
            value = check()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(interval)
