"""Thread states kept in memory, true for as long as every change to a thread is heard of.

Each change to a thread's row announces the thread (threads.py `announce`), in the transaction
that makes it; the database passes the announcement on once that commits (PostgreSQL: NOTIFY,
to every instance that LISTENs). While an instance hears every announcement, a thread's state
(its version, and what decides whether it is closed) is answered from here; whether it is
closed is still worked out at each read, with the clock, so a thread closes by its age without
any change. While it may miss one (no listening connection), every read asks the database.
"""

from __future__ import annotations

from collections import OrderedDict

from ..models import ThreadState

# The topic thread changes are announced on.
THREADS = "threads"
# NOTIFY takes payloads under 8000 bytes; a key longer than that (none is, by validation, but
# imports and older rows are not validated the same way) makes every instance forget them all.
EVERYTHING = "*"
MAX_PAYLOAD_BYTES = 7999


def announcement(key: str, version: int) -> str:
    """What is announced of a changed thread: its new version, then its key."""
    payload = f"{version} {key}"
    return payload if len(payload.encode()) <= MAX_PAYLOAD_BYTES else EVERYTHING


class ThreadStates:
    """The states of the threads read recently, by key, kept while every change is heard of.

    A database's listening side tells it `listening()` once every announcement from then on
    reaches `heard()`, and `deaf()` as soon as one may be missed. What was kept before it
    listened again is forgotten, so each thread is read once more.
    """

    def __init__(self, capacity: int = 10_000):
        self._capacity = capacity
        self._states: OrderedDict[str, ThreadState] = OrderedDict()
        self._live = False
        # Counts what was heard: a state read from the database while something was heard may
        # predate that change, so it is not kept (see keep).
        self._heard = 0
        self.from_memory = 0
        self.from_database = 0

    @property
    def live(self) -> bool:
        return self._live

    def get(self, key: str) -> ThreadState | None:
        state = self._states.get(key)
        if state is None:
            return None
        self._states.move_to_end(key)
        self.from_memory += 1
        return state

    def mark(self) -> int:
        """Taken before reading a state from the database, and given back to `keep`."""
        return self._heard

    def keep(self, key: str, state: ThreadState, mark: int) -> None:
        """A state just read from the database: kept if nothing was heard since `mark`."""
        self.from_database += 1
        if not self._live or mark != self._heard:
            return
        self._states[key] = state
        self._states.move_to_end(key)
        if len(self._states) > self._capacity:
            self._states.popitem(last=False)

    def heard(self, payload: str) -> None:
        self._heard += 1
        _version, _, key = payload.partition(" ")
        if key:
            self._states.pop(key, None)
        else:  # EVERYTHING, or something this version cannot read: forget all, to be safe
            self._states.clear()

    def listening(self) -> None:
        self._heard += 1
        self._states.clear()
        self._live = True

    def deaf(self) -> None:
        self._heard += 1
        self._live = False
        self._states.clear()
