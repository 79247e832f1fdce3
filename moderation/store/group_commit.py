"""Group commit: items that arrive together share one transaction, and one wait for the disk."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .driver import GroupWork, TransactionWork

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """`work` for the items waiting, one transaction at a time: those that arrive while one
    commits go together into the next. Each caller still waits for its own item's commit.

    `run` runs a transaction's work and commits it (sqlite.py: on the writer's thread;
    postgres.py: on a connection of the pool).
    """

    def __init__(self, work: GroupWork[T, R], run: Callable[[TransactionWork[list[R]]], Awaitable[list[R]]]):
        self._work = work
        self._run = run
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._committer: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        answer: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, answer))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_waiting())
        return await answer

    def _work_on(self, items: list[T]) -> TransactionWork[list[R]]:
        return lambda tx: self._work(tx, items)

    async def _commit_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._run(self._work_on([item for item, _ in batch]))
            except BaseException as error:  # nothing of the batch is stored: every waiter hears so
                for _, answer in batch:
                    if not answer.done():
                        answer.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for (_, answer), result in zip(batch, results, strict=True):
                if not answer.done():
                    answer.set_result(result)
