"""Benchmark: the service against a bare aiohttp server, measured by wrk in the same run.

    .venv/bin/python bench/run.py                     # SQLite, the full run
    .venv/bin/python bench/run.py --quick             # shorter runs, database sizes up to 100k
    .venv/bin/python bench/run.py --postgres postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/run.py --quick --only post --concurrency 1,16   # just submissions
    .venv/bin/python bench/run.py --quick --workers 1,2 --only get,post    # one process, then two

Needs wrk (Debian: apt-get install wrk). Prints a Markdown table: requests per second, p50 and
p99 latency and errors for each path at concurrency 1, 16 and 64, each as a ratio to the bare
server measured at the same concurrency; the service's peak memory; with --postgres, the reads
on PostgreSQL beside those on SQLite; and reading one thread as the database grows. With
--workers, each store is measured once per number of worker processes (`moderation serve
--workers N`); wrk runs on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.app import service_links  # noqa: E402
from moderation.config import Config  # noqa: E402
from moderation.models import Action, Channel, NewComment  # noqa: E402
from moderation.render import render_body  # noqa: E402
from moderation.store import open_store  # noqa: E402

THREAD = "/bench-thread/"
CONCURRENCY = (1, 16, 64)
PATHS = ("get", "304", "post", "sizes")
# Two moderators, as on the blog the issue is about: every comment makes two emails.
MODERATORS = "moderator@localhost,second@localhost"
SECRET = "bench secret, long enough to sign with"
# Keys of this run's own, given to the store that prepares the database and to the service alike:
# generated apart, into two data folders (a PostgreSQL store's is ./data), they would not match.
DATA_KEYS = "b1:" + base64.b64encode(os.urandom(32)).decode()
INDEX_KEY = "b1:" + base64.b64encode(os.urandom(32)).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, concurrency: int, seconds: float, *extra: str) -> Result:
    threads = str(min(concurrency, 2))
    out = subprocess.run(
        ["wrk", "-t", threads, "-c", str(concurrency), "-d", f"{seconds:g}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return Result(rps, p50, p99, errors + (int(non_2xx.group(1)) if non_2xx else 0))


@contextmanager
def process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} never came up")


def new_comment(number: int, thread: str) -> NewComment:
    body = f"Comment {number}: the *third* session was the turning point, as the article says."
    return NewComment(
        thread=thread,
        title="Bench",
        name=f"Reader {number}",
        email=f"reader{number}@example.com",
        website="",
        body=body,
        body_html=render_body(body),
        avatar=f"{number:032x}",
    )


async def prepare(database_url: str, thread_comments: int) -> None:
    """A migrated database whose bench thread has `thread_comments` approved comments."""
    config = Config(database_url=database_url, data_keys=DATA_KEYS, index_key=INDEX_KEY)
    store = await open_store(config, time.time, service_links(config))
    try:
        await store.migrate()
        for number in range(thread_comments):
            comment_id = (await store.comments.submit(new_comment(number, THREAD))).id
            await store.comments.decide([comment_id], Action.APPROVE, actor="bench@example.com", channel=Channel.QUEUE)
    finally:
        await store.close()


def grow_sqlite(path: Path, total: int) -> None:
    """Pad the database to `total` comments over many other threads, as years of a busy blog would.

    Plain SQL here, not the store: a million rows one transaction each would take hours.
    """
    with closing(sqlite3.connect(path)) as db, db:
        existing = db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
        threads = max(1, (total - existing) // 100)
        first = db.execute("SELECT MAX(id) FROM threads").fetchone()[0] + 1
        db.executemany(
            "INSERT INTO threads (id, key, title, version, approved) VALUES (?, ?, '', 1, 100)",
            [(first + n, f"/article-{first + n}/") for n in range(threads)],
        )
        # No address: a padding row with one in clear would be sealed by the next start's data
        # step, and the bench would time that migration instead of the reads.
        rows = (
            (first + n % threads, f"Reader {n}", f"{n:032x}", f"Text {n}", f"<p>Text {n}</p>", n)
            for n in range(total - existing)
        )
        db.executemany(
            "INSERT INTO comments (thread_id, status, name, email, email_index, avatar, body, body_html, created_at)"
            " VALUES (?, 'approved', ?, '', '', ?, ?, ?, ?)",
            rows,
        )


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of the process so far, all its threads together."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_pids(pid: int) -> list[int]:
    """The service's processes: the one started, and with --workers its workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(child) for child in children)]


def tree_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(each) for each in service_pids(pid))


def tree_peak_rss_mb(pid: int) -> float:
    """Peak resident memory of every process of the service, added up (shared pages count in each)."""
    return sum(peak_rss_mb(each) for each in service_pids(pid))


def service_env(database_url: str, port: int, smtp_port: int, workers: int = 1) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update(
        MODERATION_WORKERS=str(workers),
        MODERATION_PORT=str(port),
        MODERATION_DATABASE_URL=database_url,
        MODERATION_SECRET_KEY=SECRET,
        MODERATION_DATA_KEYS=DATA_KEYS,
        MODERATION_INDEX_KEY=INDEX_KEY,
        MODERATION_SMTP_HOST="127.0.0.1",
        MODERATION_SMTP_PORT=str(smtp_port),
        MODERATION_SMTP_TLS="none",
        MODERATION_RATE_LIMIT="off",
        MODERATION_MODERATORS=MODERATORS,
        # Every comment's two mails are sent, as a site with fewer than 20 comments an hour has
        # them: with the cap, a flood's mail would be folded into digests and cost next to nothing.
        MODERATION_BURST_CAP="off",
    )
    return env


async def query_one(database_url: str, sql: str) -> tuple[float, ...]:
    """One row of numbers, read from the service's database beside it."""
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return tuple(db.execute(sql).fetchone())
    connection = await asyncpg.connect(database_url)  # search_path=... becomes a server setting
    try:
        return tuple(await connection.fetchrow(sql))
    finally:
        await connection.close()


async def every_worker_up(database_url: str, workers: int) -> None:
    """Each worker's mail sender beats before its worker listens: wait for as many live ones."""
    if workers == 1:
        return
    for _ in range(300):
        (live,) = await query_one(database_url, f"SELECT COUNT(*) FROM senders WHERE seen_at > {time.time() - 3}")
        if live >= workers:
            await asyncio.sleep(1.0)  # and their sites are open
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{workers} workers never came up")


async def etag_of(url: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        return response.headers["ETag"]


async def mail_counts(database_url: str) -> tuple[float, float]:
    """(mails sent, comments stored) so far, from the database: each worker's metrics are its own."""
    sent, stored = await query_one(
        database_url, "SELECT (SELECT COUNT(*) FROM outbox WHERE status = 'sent'), (SELECT COUNT(*) FROM comments)"
    )
    return sent, stored


def ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (a scratch schema)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each wrk run")
    parser.add_argument("--quick", action="store_true", help="2 s runs, database sizes up to 100k")
    parser.add_argument(
        "--only", metavar="PATHS", default=",".join(PATHS), help=f"comma-separated subset of {','.join(PATHS)}"
    )
    parser.add_argument("--concurrency", metavar="N,N", default=",".join(map(str, CONCURRENCY)))
    parser.add_argument(
        "--workers", metavar="N,N", default="1", help="worker processes to measure each store with (e.g. 1,2)"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(PATHS):
        parser.error(f"--only: unknown {', '.join(sorted(only - set(PATHS)))}")
    concurrency = tuple(int(n) for n in args.concurrency.split(","))
    workers = tuple(int(n) for n in args.workers.split(","))
    if shutil.which("wrk") is None:
        sys.exit("bench needs wrk: apt-get install wrk")
    seconds = 2.0 if args.quick else args.seconds
    sizes = (1_000, 100_000) if args.quick else (1_000, 100_000, 1_000_000)

    work = Path(tempfile.mkdtemp(prefix="moderation-bench-"))
    smtp_port, bare_port = free_port(), free_port()
    sink = ("-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Sink")
    with process(sys.executable, *sink), process(sys.executable, str(ROOT / "bench" / "bare.py"), str(bare_port)):
        bare_url = f"http://127.0.0.1:{bare_port}/"
        await wait_until_up(bare_url)
        stores = [("SQLite", f"sqlite:///{work}/bench.sqlite3")]
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(args.postgres)
            await admin.execute(f"CREATE SCHEMA {schema}")
            stores.append(("PostgreSQL", f"{args.postgres}{'&' if '?' in args.postgres else '?'}search_path={schema}"))
        if workers != (1,):
            print(
                f"\nThis machine has {os.cpu_count()} cores, and wrk runs on them too: with as many workers as"
                " cores, the load generator takes CPU the workers would have. The bare server is one process."
            )
        try:
            reads = {}
            for name, database_url in stores:
                await prepare(database_url, 100)
                for count in workers:
                    measured = await bench_store(
                        name, database_url, work, bare_url, smtp_port, seconds, only, concurrency, count
                    )
                    reads.setdefault(name, measured)  # the first number of workers asked for
            if args.postgres:
                compare_reads(reads)
            if "sizes" in only:
                await bench_sizes(work, bare_url, smtp_port, seconds, sizes)
        finally:
            if args.postgres:
                await admin.execute(f"DROP SCHEMA {schema} CASCADE")
                await admin.close()
    shutil.rmtree(work, ignore_errors=True)


async def bench_store(
    name: str,
    database_url: str,
    work: Path,
    bare_url: str,
    smtp_port: int,
    seconds: float,
    only: set[str],
    concurrency_levels: tuple[int, ...],
    workers: int = 1,
) -> dict[tuple[str, int], float]:
    """The table of one store; returns requests/s of its reads, by (path, concurrency)."""
    reads: dict[tuple[str, int], float] = {}
    port = free_port()
    env = service_env(database_url, port, smtp_port, workers)
    with process(sys.executable, "-m", "moderation", "serve", env=env, cwd=work) as service:
        base = f"http://127.0.0.1:{port}"
        read_url = f"{base}/api/comments?thread={THREAD}"
        await wait_until_up(f"{base}/healthz")
        await every_worker_up(database_url, workers)
        etag = await etag_of(read_url)
        processes = f", {workers} workers (wrk shares their {os.cpu_count()} cores)" if workers > 1 else ""
        print(f"\n### {name}{processes}: a thread of 100 approved comments, {seconds:g} s per run\n")
        mailed: dict[int, float] = {}
        cpu: dict[int, float] = {}
        print("| path | concurrency | requests/s | ratio to bare | p50 ms | p99 ms | errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for concurrency in concurrency_levels:
            bare = wrk(bare_url, concurrency, seconds)
            runs = {"bare aiohttp": bare}
            if "get" in only:
                runs["GET thread"] = wrk(read_url, concurrency, seconds)
            if "304" in only:
                runs["GET thread, 304"] = wrk(read_url, concurrency, seconds, "-H", f"If-None-Match: {etag}")
            if "post" in only:
                before, cpu_before = await mail_counts(database_url), tree_cpu_seconds(service.pid)
                runs["POST comment"] = wrk(
                    f"{base}/api/comments", concurrency, seconds, "-s", str(ROOT / "bench" / "post.lua")
                )
                cpu_after, after = tree_cpu_seconds(service.pid), await mail_counts(database_url)
                accepted = max(1.0, after[1] - before[1])
                mailed[concurrency] = (after[0] - before[0]) / accepted
                cpu[concurrency] = (cpu_after - cpu_before) * 1000 / accepted
            for path, result in runs.items():
                reads[path, concurrency] = result.rps
                print(
                    f"| {path} | {concurrency} | {result.rps:,.0f} | {ratio(result.rps, bare.rps)} |"
                    f" {result.p50_ms:.2f} | {result.p99_ms:.2f} | {result.errors} |"
                )
        if mailed:
            print(
                "\nMails sent during each POST run, per comment accepted (two moderators: 2.0 keeps up): "
                + ", ".join(f"concurrency {c}: {per:.2f}" for c, per in mailed.items())
            )
        if cpu:
            print(
                "\nCPU time of the service during each POST run, per comment accepted (mail sent meanwhile"
                " included): " + ", ".join(f"concurrency {c}: {ms:.2f} ms" for c, ms in cpu.items())
            )
        if workers > 1:
            print(
                f"\nPeak resident memory of the service's {workers + 1} processes (the supervisor and"
                f" {workers} workers) added up: {tree_peak_rss_mb(service.pid):.1f} MB"
            )
        else:
            print(f"\nPeak resident memory of the service: {peak_rss_mb(service.pid):.1f} MB")
    return reads


def compare_reads(reads: dict[str, dict[tuple[str, int], float]]) -> None:
    """Reads on PostgreSQL beside SQLite in the same run (target: at least half at concurrency 16)."""
    sqlite, postgres = reads["SQLite"], reads["PostgreSQL"]
    print("\n### Reads, PostgreSQL beside SQLite (same run)\n")
    print("| path | concurrency | SQLite requests/s | PostgreSQL requests/s | PostgreSQL / SQLite |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for path, concurrency in sqlite:
        if path.startswith("GET") and (path, concurrency) in postgres:
            both = sqlite[path, concurrency], postgres[path, concurrency]
            print(f"| {path} | {concurrency} | {both[0]:,.0f} | {both[1]:,.0f} | {ratio(both[1], both[0])} |")


async def bench_sizes(work: Path, bare_url: str, smtp_port: int, seconds: float, sizes: tuple[int, ...]) -> None:
    print(f"\n### SQLite: reading the 100-comment thread as the database grows (concurrency 16, {seconds:g} s)\n")
    print("| comments in the database | requests/s | ratio to bare | p99 ms |")
    print("| ---: | ---: | ---: | ---: |")
    path = work / "sizes.sqlite3"
    database_url = f"sqlite:///{path}"
    await prepare(database_url, 100)
    for size in sizes:
        grow_sqlite(path, size)
        port = free_port()
        with process(
            sys.executable, "-m", "moderation", "serve", env=service_env(database_url, port, smtp_port), cwd=work
        ):
            base = f"http://127.0.0.1:{port}"
            await wait_until_up(f"{base}/healthz")
            bare = wrk(bare_url, 16, seconds)
            result = wrk(f"{base}/api/comments?thread={THREAD}", 16, seconds)
            print(f"| {size:,} | {result.rps:,.0f} | {ratio(result.rps, bare.rps)} | {result.p99_ms:.2f} |")


if __name__ == "__main__":
    asyncio.run(main())
