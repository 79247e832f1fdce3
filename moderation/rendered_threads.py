"""Threads already rendered to JSON, by version: readers far outnumber approvals."""

from __future__ import annotations

from collections import OrderedDict


class RenderedThreads:
    """The JSON of recently read threads, each valid for exactly one ETag (the thread's version,
    and whether it is closed).

    The ETag is worked out from the thread's state on every request (store.threads.state: from
    the database, or from memory while every change is heard of), so an entry can never outlive
    the list it shows, whichever instance changed it.
    """

    def __init__(self, capacity: int = 1000):
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def get(self, key: str, etag: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != etag:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: str, etag: str, body: bytes) -> None:
        self._entries[key] = (etag, body)
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
