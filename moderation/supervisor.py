"""`moderation serve --workers N`: one supervisor process that keeps N workers serving one port.

The supervisor serves nothing itself. `moderation serve` has applied the migrations (once,
before any worker starts), then became this module (exec, same pid), which imports no more
than it needs: the service's libraries stay out of a process that only waits (20 MB, not 70).
It starts each worker as `python -m moderation serve --worker RUN-SLOT`, a fresh interpreter
rather than a fork (a forked event loop, its threads and its SQLite connections are not safe to
go on with). The workers bind the port with SO_REUSEPORT, and the kernel spreads new
connections over them. A worker that dies is started again in its slot, after a pause that
grows while it keeps dying; SIGTERM or SIGINT is passed on to every worker as SIGTERM, and the
supervisor exits once they all have drained.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Mapping, Sequence

log = logging.getLogger("moderation.supervisor")

FROM_THIS_INTERPRETER = (sys.executable, "-m", "moderation")
FIRST_PAUSE = 0.5  # seconds before a dead worker is started again, doubled each time it dies soon
LONGEST_PAUSE = 30.0
STEADY = 60.0  # a worker that lived this long died of something new: its slot starts over at FIRST_PAUSE
# A worker's answers in flight (serving.SHUTDOWN, 10 s), then its senders and store closing; not
# imported from there, which would bring aiohttp along.
DRAIN = 15.0
CONFIG_REFUSED = 2  # a worker's exit code for a configuration it cannot run with (__main__.py)


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if something listens on the port already.

    The workers bind with SO_REUSEPORT, which would let them join, without a word, the workers
    of another service left running on that port: a plain bind here fails for those too."""
    for family, kind, protocol, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the workers: TIME_WAIT is no listener
            probe.bind(address)


class Supervisor:
    def __init__(self, count: int, env: Mapping[str, str], command: Sequence[str] = FROM_THIS_INTERPRETER):
        self._count = count
        self._env = dict(env)
        self._command = list(command)
        # In every claim its workers' senders make: the slots of this run, of no other.
        self._run = secrets.token_hex(4)
        self._workers: dict[int, asyncio.subprocess.Process] = {}
        self._stopping = asyncio.Event()
        self._refused = False

    async def run(self) -> int:
        """Serve through the workers until SIGTERM or SIGINT; the exit code."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping.set)
        slots = [asyncio.create_task(self._keep(slot), name=f"worker {slot}") for slot in range(self._count)]
        log.info("%d workers (pid %d)", self._count, os.getpid())
        await self._stopping.wait()
        await self._stop_all()
        await asyncio.gather(*slots)
        return CONFIG_REFUSED if self._refused else 0

    async def _keep(self, slot: int) -> None:
        """One slot: its worker, started again whenever it dies before the supervisor stops."""
        pause = FIRST_PAUSE
        while not self._stopping.is_set():
            started = time.monotonic()
            worker = await self._start(slot)
            if self._stopping.is_set():  # it started as the others were told to stop: it stops too
                worker.send_signal(signal.SIGTERM)
            code = await worker.wait()
            del self._workers[slot]
            if self._stopping.is_set():
                return
            if code == CONFIG_REFUSED:  # every worker has the same configuration: none can run
                log.error("worker %d refused the configuration; stopping", slot)
                self._refused = True
                self._stopping.set()
                return
            if time.monotonic() - started > STEADY:
                pause = FIRST_PAUSE
            cause = f"was killed by signal {-code}" if code < 0 else f"exited with {code}"
            log.warning("worker %d (pid %d) %s; starting it again in %.1fs", slot, worker.pid, cause, pause)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    async def _start(self, slot: int) -> asyncio.subprocess.Process:
        worker = await asyncio.create_subprocess_exec(
            *self._command,
            "serve",
            "--worker",
            f"{self._run}-{slot}",
            env=self._env,
            stdin=asyncio.subprocess.DEVNULL,
            # A group of its own: a Ctrl-C in the terminal reaches the supervisor alone, which
            # passes it on once; a second signal in the midst of draining would cut it short.
            process_group=0,
        )
        self._workers[slot] = worker
        log.info("started worker %d (pid %d)", slot, worker.pid)
        return worker

    async def _stop_all(self) -> None:
        """SIGTERM to every worker; those still running after DRAIN are killed."""
        workers = list(self._workers.values())
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        log.info("waiting for %d workers to finish their requests", len(workers))
        if not workers:
            return
        _, late = await asyncio.wait([asyncio.ensure_future(worker.wait()) for worker in workers], timeout=DRAIN)
        if late:
            log.warning("%d workers still running after %.0f s: killed", len(late), DRAIN)
            for worker in workers:
                if worker.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        worker.kill()
            await asyncio.wait(late)


def main(argv: list[str]) -> int:
    """`python -m moderation.supervisor N`, as `moderation serve --workers N` becomes once it has migrated."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return asyncio.run(Supervisor(int(argv[0]), os.environ).run())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
