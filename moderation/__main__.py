"""`moderation serve` and `moderation migrate`: the only place that reads the environment."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NoReturn

from . import setting_parsers
from .app import create_app, service_links
from .classifier.evaluation import evaluate
from .config import Config
from .errors import ConfigError, ImportRefused, KeyMismatch, MissingFiles, StoreUnavailable, TokenRefused, TooLong
from .import_export.cli import reader, refusals, site_hosts, transfer_commands
from .import_export.mapping import Mapping, Slash
from .models import CLI, SYSTEM, ByHand
from .retention import purge
from .serving import serve
from .store import Store, open_store
from .supervisor import check_port_free
from .validation import TEXT_FIELDS, is_thread_key

log = logging.getLogger("moderation")
# A command that works on the store: what it prints.
StoreCommand = Callable[[Store, Config, argparse.Namespace], Awaitable[str]]


async def migrate(store: Store, config: Config, args: argparse.Namespace) -> str:
    applied = await store.migrate()
    return "applied: " + ", ".join(applied) if applied else "nothing to apply: the database is up to date"


async def purge_now(store: Store, config: Config, args: argparse.Namespace) -> str:
    erased = await purge(store, config.retention_days, time.time)
    return f"erased the addresses of {erased} rejected or spam comments older than {config.retention_days} days"


async def forget(store: Store, config: Config, args: argparse.Namespace) -> str:
    gone = await store.comments.forget(args.address)
    return (
        f"removed {gone.comments} comments ({gone.published} of them published)"
        f" and {gone.notifications} moderator emails written for that address,"
        f" with its {gone.subscriptions} subscriptions and {gone.reader_mail} reader emails"
    )


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(value: str) -> float:
    """'30m', '24h', '7d' -> seconds."""
    found = re.fullmatch(r"(\d+)([smhd])", value.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration like 30m, 24h or 7d")
    return int(found.group(1)) * UNITS[found.group(2)]


async def keys_status(store: Store, config: Config, args: argparse.Namespace) -> str:
    counts = await store.keys.counts()
    return "\n".join(counts.lines())


async def keys_rotate(store: Store, config: Config, args: argparse.Namespace) -> str:
    def progress(done: int) -> None:
        if sys.stderr.isatty():
            print(f"\rre-sealed {done} rows", end="", file=sys.stderr, flush=True)

    done = await store.keys.rotate(progress)
    counts = await store.keys.counts()
    return f"looked at {done} rows sealed under older keys and re-sealed them under the newest\n" + "\n".join(
        counts.lines()
    )


async def audit(store: Store, config: Config, args: argparse.Namespace) -> str:
    since = time.time() - args.since if args.since is not None else 0.0
    return "\n".join(json.dumps(entry.as_json()) for entry in await store.comments.audit_log(since))


def thread_path(value: str) -> str:
    if not is_thread_key(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a page's path like /how-many-treatments/")
    return value


def page_title(value: str) -> str:
    """A title as `moderation threads title` takes it: text on one line, as long as a submission's may be."""
    try:
        title = TEXT_FIELDS["title"](value)
    except TooLong as error:
        raise argparse.ArgumentTypeError(f"a title is at most {error.most} characters") from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not text") from None
    return " ".join(title.split())


async def thread_title(store: Store, config: Config, args: argparse.Namespace) -> str:
    key, title = args.key, args.text
    before = await store.threads.set_title(key, title)
    was = f' (it was "{before}")' if before else ""
    if not title:
        return f"cleared the title of {key}{was}: mail shows its path until an approved comment gives it one"
    return f'set the title of {key} to "{title}"{was}: approved comments do not change it'


async def threads(store: Store, config: Config, args: argparse.Namespace) -> str:
    if args.action == "title":
        return await thread_title(store, config, args)
    key, by_hand = args.key, THREAD_ACTIONS[args.action]
    before = await store.threads.set_by_hand(key, by_hand)
    was_closed = before.closed(time.time(), config.close_after_days)
    if by_hand is ByHand.CLOSED:
        if before.by_hand is ByHand.CLOSED:
            return f"{key} was closed already: it takes no new comments until `moderation threads open {key}`"
        ahead = " (ahead: it has no comment yet)" if before.first_comment_at is None else ""
        return f"closed {key}{ahead}: it takes no new comments until `moderation threads open {key}`"
    if was_closed:
        return f"re-opened {key}: it takes new comments again, and stays open whatever its age"
    return f"opened {key}: it takes new comments, and stays open whatever its age"


TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def token_name(value: str) -> str:
    """A token's name, the actor of its decisions in the audit log: never an address, nor the
    service's own actors."""
    if not TOKEN_NAME.fullmatch(value) or value.lower() in (SYSTEM, CLI):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a token's name: 1 to 64 letters, digits, '.', '-' or '_' (not {SYSTEM} or {CLI})"
        )
    return value


async def tokens(store: Store, config: Config, args: argparse.Namespace) -> str:
    if args.action == "create":
        token = await store.api_tokens.create(args.name)
        print(f"moderation: the token for {args.name}, shown this once: keep it secret", file=sys.stderr)
        return token
    if args.action == "revoke":
        await store.api_tokens.revoke(args.name)
        return f"revoked {args.name}: its token is refused from now on"
    listed = await store.api_tokens.all()
    return "\n".join(
        f"{token.name}\tcreated {token.created:%Y-%m-%d %H:%M} UTC"
        f"\tlast used {f'{token.last_used:%Y-%m-%d %H:%M} UTC' if token.last_used else 'never'}"
        for token in listed
    )


async def spam_report(store: Store, config: Config, args: argparse.Namespace) -> str:
    examples = await store.spam_model.examples()
    lines = evaluate([(example.features, example.label) for example in examples], config.spam_auto).lines(
        config.spam_auto
    )
    features, decided = await store.spam_model.size()
    lines.append(f"the model now: {decided.spam} spam and {decided.ham} good comments taught, {features} features")
    return "\n".join(lines)


async def spam_train(store: Store, config: Config, args: argparse.Namespace) -> str:
    taught = await store.spam_model.rebuild()
    features, decided = await store.spam_model.size()
    return (
        f"rebuilt the model from the audit log: {taught} comments taught it"
        f" ({decided.spam} spam, {decided.ham} good), {features} features"
    )


async def run_on_store(command: StoreCommand, config: Config, args: argparse.Namespace) -> None:
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        if command is not migrate:  # the others need an up-to-date schema, migrate reports it
            await store.migrate()
        output = await command(store, config, args)
        if output:
            print(output)
    finally:
        await store.close()


async def import_file(store: Store, config: Config, args: argparse.Namespace) -> str:
    from .import_export import importer  # the import's modules: only for an import, never for a server

    mapping = Mapping(
        prefixes=tuple(args.map_prefix),
        hosts=frozenset() if args.any_host else frozenset(args.host or site_hosts(config)),
        slash=Slash(args.trailing_slash),
    )
    path = Path(args.file)
    read = reader(args.format)
    try:
        report = await importer.run(
            store, args.format, lambda: read(path), mapping, config.with_secret_key().secret_key, importer.Progress()
        )
    except refusals() as error:
        raise ImportRefused(error) from error
    return "\n".join(report.lines())


async def export(store: Store, config: Config, args: argparse.Namespace) -> str:
    from .import_export import export as transfer_export  # only for an export

    statuses = args.status or []
    if args.output is None:
        if args.include_email:
            print("moderation: addresses are on standard output: keep what you save private", file=sys.stderr)
        count = await transfer_export.write(store, sys.stdout, statuses, args.include_email)
        print(f"exported {count} comments", file=sys.stderr)
        return ""
    path = Path(args.output)
    with transfer_export.private_file(path) if args.include_email else path.open("w", encoding="utf-8") as out:
        count = await transfer_export.write(store, out, statuses, args.include_email)
    private = " (with addresses: readable by its owner only)" if args.include_email else ""
    return f"exported {count} comments to {path}{private}"


def worker_count(value: str) -> int:
    try:
        return setting_parsers.workers(value)
    except ValueError as error:
        reason = "must be a whole number" if str(error).startswith("invalid literal") else str(error)
        raise argparse.ArgumentTypeError(reason) from None


async def migrate_once(config: Config) -> None:
    """A supervisor's start: the migrations, before any worker runs (workers do not migrate)."""
    store = await open_store(config, links=service_links(config), clock=time.time)
    try:
        applied = await store.migrate()
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
    finally:
        await store.close()


def become_the_supervisor(workers: int) -> NoReturn:
    """This process, with its pid, becomes the lean supervisor.py: the modules imported here,
    and what the migrations took, are of no use to a process that waits on its workers."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "moderation.supervisor", str(workers)])


def serve_command(config: Config, args: argparse.Namespace) -> int:
    workers = args.workers or config.workers
    if args.worker:
        config = config.replace(worker_name=args.worker)
    elif workers > 1:
        if config.port == 0:
            raise ConfigError("MODERATION_WORKERS: the workers share one port: set MODERATION_PORT to one (not 0)")
        config = config.with_secret_key()  # generated here once, if it must be, and read by every worker
        check_port_free(config.host, config.port)
        asyncio.run(migrate_once(config))
        log.info("serving on http://%s:%d with %d workers", config.host, config.port, workers)
        become_the_supervisor(workers)
    app = create_app(config.with_secret_key())
    if not config.worker_name:
        log.info("serving on http://%s:%d (public URL %s)", config.host, config.port, config.public_url)
    # Until SIGTERM or SIGINT; then it finishes what is in flight, and exits 0.
    asyncio.run(serve(app, config.host, config.port, parent=os.getppid() if config.worker_name else None))
    return 0


COMMANDS = {
    "migrate": migrate,
    "purge": purge_now,
    "forget": forget,
    "audit": audit,
    "import": import_file,
    "export": export,
}
KEY_COMMANDS = {"status": keys_status, "rotate": keys_rotate}
SPAM_COMMANDS = {"report": spam_report, "train": spam_train}
THREAD_ACTIONS = {"close": ByHand.CLOSED, "open": ByHand.OPEN}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="moderation", description="Comment moderation service.")
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve", help="apply pending migrations and serve")
    serving.add_argument(
        "--workers",
        type=worker_count,
        help="processes serving the port, about one a core (default: MODERATION_WORKERS, or 1)",
    )
    # Given by the supervisor to each worker it starts (supervisor.py): its name, RUN-SLOT.
    serving.add_argument("--worker", help=argparse.SUPPRESS)
    commands.add_parser("migrate", help="apply pending migrations and exit")
    commands.add_parser("purge", help="erase addresses of old rejected and spam comments now (also done daily)")
    commands.add_parser("forget", help="delete everything written with one email address").add_argument("address")
    audit_log = commands.add_parser("audit", help="print the audit log as JSON lines, oldest first")
    audit_log.add_argument("--since", type=duration, help="only the last 30m, 24h, 7d, ... (default: all of it)")
    transfer_commands(commands)
    keys = commands.add_parser("keys", help="the keys that seal stored addresses")
    keys.add_argument(
        "action", choices=sorted(KEY_COMMANDS), help="status: rows per key; rotate: re-seal under the newest"
    )
    spam = commands.add_parser("spam", help="the spam classifier that learns from the moderators' decisions")
    spam.add_argument(
        "action",
        choices=sorted(SPAM_COMMANDS),
        help="report: how it would have done on the newer 30%% of the decisions, taught the older;"
        " train: rebuild it from the audit log (after an import, say)",
    )
    closing = commands.add_parser(
        "threads", help="close a thread to new comments, or open it, whatever its age; or set its title"
    )
    closing.add_argument(
        "action",
        choices=[*sorted(THREAD_ACTIONS), "title"],
        help="close: refuse new comments; open: take them, whatever the age; title: set the page's title",
    )
    closing.add_argument("key", type=thread_path, help="the page's path, as the widget's data-thread gives it")
    closing.add_argument(
        "text", nargs="?", type=page_title, help='title: what feeds and mail call the page ("": no title)'
    )
    api_tokens = commands.add_parser("tokens", help="bearer tokens of the moderation API: create, list, revoke")
    api_tokens.add_argument(
        "action", choices=("create", "list", "revoke"), help="create: print a new token once; revoke: refuse it"
    )
    api_tokens.add_argument("name", nargs="?", type=token_name, help="create, revoke: the token's name (its actor)")
    args = parser.parse_args(argv)
    if args.command == "tokens" and (args.action == "list") != (args.name is None):
        api_tokens.error("`tokens create NAME` and `tokens revoke NAME` take a name, `tokens list` none")
    if args.command == "threads" and (args.action == "title") != (args.text is not None):
        closing.error("the title's text goes with `threads title KEY TEXT` only")
    # Whatever the service writes (the database and its -wal and -shm, the keys, the dev mailbox,
    # an export) holds addresses or keys: readable by its owner only.
    os.umask(0o077)
    # A worker's lines say which one it is: they share the supervisor's standard error.
    worker = f"worker {args.worker.rpartition('-')[2]} " if getattr(args, "worker", None) else ""
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s {worker}%(name)s: %(message)s")
    # Their INFO lines carry client addresses and, for the dev mailbox, email addresses.
    for chatty in ("aiohttp.access", "mail.log"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        config = Config.from_env(os.environ)
    except ConfigError as error:
        print(f"moderation: {error}", file=sys.stderr)
        return 2
    try:
        if args.command in COMMANDS:
            asyncio.run(run_on_store(COMMANDS[args.command], config, args))
        elif args.command == "keys":
            asyncio.run(run_on_store(KEY_COMMANDS[args.action], config, args))
        elif args.command == "spam":
            asyncio.run(run_on_store(SPAM_COMMANDS[args.action], config, args))
        elif args.command == "threads":
            asyncio.run(run_on_store(threads, config, args))
        elif args.command == "tokens":
            asyncio.run(run_on_store(tokens, config, args))
        else:
            return serve_command(config, args)
    except (ConfigError, KeyMismatch) as error:  # keys missing, malformed, or not this database's
        print(f"moderation: {error}", file=sys.stderr)
        return 2
    except StoreUnavailable as error:  # a locked, full, unwritable or unreachable database
        print(f"moderation: MODERATION_DATABASE_URL: cannot use the database: {error}", file=sys.stderr)
        return 1
    except TokenRefused as error:  # a token's name taken, or none by that name
        print(f"moderation: {error}", file=sys.stderr)
        return 1
    except MissingFiles as error:  # an incomplete installation: say where we looked
        print(f"moderation: cannot {args.command}: {error}", file=sys.stderr)
        return 1
    # A file an import refuses, and, from any command, a damaged database file or a value that
    # cannot be used (a key, a setting) that nothing above named.
    except (ImportRefused, sqlite3.DatabaseError, ValueError) as error:
        print(f"moderation: cannot {args.command}: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a port in use, an address that is not ours
        print(f"moderation: cannot {args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
