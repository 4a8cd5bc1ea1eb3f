"""The `thc-node` command line. User mistakes give one line on stderr and a non-zero status."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from node import services
from node.errors import DomainError
from node.model import DebateStatus, NewDebate

from . import cli_accounts, cli_federation
from .cli_support import (
    EXIT_CONFIG,
    EXIT_ERROR,
    CliError,
    Subparsers,
    clock,
    config_path,
    load,
    parse_when,
    print_table,
    run_db,
    run_use_case,
    with_db,
)
from .config import ConfigError, Config, check_base_url, load_config

# ---- configuration -------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def render_config(*, base_url: str, name: str, host: str, port: int, data_dir: str,
                  allow_private: bool, language: str = "fr") -> str:
    """A minimal config; config.example.toml documents every other key and its default."""
    return (
        "# THC Node configuration. Every key and its default: config.example.toml\n\n"
        "[node]\n"
        f"base_url = {_toml_string(base_url)}\n"
        f"name = {_toml_string(name)}\n"
        f"default_language = {_toml_string(language)}\n\n"
        "[server]\n"
        f"host = {_toml_string(host)}\n"
        f"port = {port}\n\n"
        "[storage]\n"
        f"data_dir = {_toml_string(data_dir)}\n\n"
        "[federation]\n"
        f"allow_private_addresses = {'true' if allow_private else 'false'}\n"
    )


def listen_address(base_url: str) -> tuple[str, int]:
    """Where `init` makes the node listen: the base URL's host and port for a local address,
    else 127.0.0.1 behind the reverse proxy that terminates TLS for the public name."""
    parts = urlsplit(base_url)
    host = parts.hostname or "127.0.0.1"
    local = host in ("localhost", "::1") or host.startswith("127.")
    port = parts.port or (8080 if not local or parts.scheme == "https" else 80)
    return (host if local else "127.0.0.1"), port


# ---- commands ------------------------------------------------------------------------------

def cmd_init(args) -> int:
    from .app import ensure_node_keys, open_database

    path = config_path(args)
    if path.exists() and not args.force:
        raise CliError(f"{path} already exists: use --force to overwrite it "
                       "(the database and keys are kept)")
    try:
        base_url = check_base_url(args.base_url, "--base-url")
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    host, port = listen_address(base_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render_config(base_url=base_url, name=args.name, host=host, port=port,
                         data_dir=args.data_dir or ".", allow_private=args.allow_private_addresses)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, "utf-8")
    config = load_config(tmp)  # validate before replacing anything
    config.storage.data_dir.mkdir(parents=True, exist_ok=True)

    async def setup():
        database = await open_database(config)
        try:
            return await ensure_node_keys(database, clock())
        finally:
            await database.close()

    made_keys = asyncio.run(setup())
    os.replace(tmp, path)
    os.chmod(config.storage.database_path, 0o600)
    print(f"wrote {path}")
    print(f"database {config.storage.database_path}")
    print("generated the node's keys" if made_keys else "kept the node's existing keys")
    print(f"start it with: thc-node --config {path} serve  (listens on {host}:{port})")
    return 0


def cmd_serve(args) -> int:
    from dataclasses import replace

    config = load(args)
    server = replace(config.server, host=args.host or config.server.host,
                     port=config.server.port if args.port is None else args.port)
    serve(replace(config, server=server))
    return 0


async def _freeze_startup_heap(app) -> None:
    """Move what startup allocated (templates, catalogues, keys, caches' scaffolding) out of
    the collector's reach: it lives as long as the process, and every full collection would
    walk it again while requests wait (measured under load)."""
    import gc

    gc.collect()
    gc.freeze()
    # Young collections: a busy node holds many requests' objects at once (an inbox batch
    # waits for its commit together), so at Python's default of 700 net allocations one ran
    # every ~90 inbox requests and walked them all: ~5% of the loop's time (measured, issue
    # 4). At 5,000 they are ~15 times rarer, each pause ~2.5 ms.
    gc.set_threshold(5_000, 10, 10)


def serve(config: Config) -> None:
    from aiohttp import web

    from .app import create_app

    app = create_app(config)
    app.on_startup.append(_freeze_startup_heap)
    print(f"THC Node « {config.node.name} » on http://{config.server.host}:{config.server.port}"
          f" (public URL {config.node.base_url})", file=sys.stderr)
    # run_app stops accepting on SIGINT/SIGTERM, lets in-flight requests finish within
    # shutdown_timeout, then runs the cleanup contexts (workers stop, database closes).
    try:
        web.run_app(
            app, host=config.server.host, port=config.server.port, print=None,
            shutdown_timeout=config.server.shutdown_timeout,
            access_log=logging.getLogger("aiohttp.access") if config.server.access_log else None,
            access_log_format='%a "%r" %s %b %Tfs "%{User-Agent}i"',
        )
    except OSError as exc:  # address in use, permission denied on a low port…
        raise CliError(f"cannot listen on {config.server.host}:{config.server.port}: "
                       f"{exc.strerror or exc}") from None


def cmd_demo(args) -> int:
    from dataclasses import replace

    from .demo import load_demo

    path = config_path(args)
    port = args.port
    if not path.exists():
        base_url = f"http://127.0.0.1:{port or 8080}"
        ns = argparse.Namespace(config=str(path), base_url=base_url,
                                name="Commune de Saint-Aubin-sur-Loire (démonstration)",
                                allow_private_addresses=True, force=False, data_dir=None)
        cmd_init(ns)
    config = load_config(path)
    loaded = asyncio.run(with_db(config, lambda db: load_demo(db, clock())))
    print("loaded the demo territory" if loaded else "the database has content: demo not reloaded",
          file=sys.stderr)
    if port is not None and port != config.server.port:
        # Serving a dev node on another port: its public URL follows, for this run only.
        parts = urlsplit(config.node.base_url)
        base_url = f"{parts.scheme}://{parts.hostname}:{port}"
        config = replace(config, node=replace(config.node, base_url=base_url),
                         server=replace(config.server, port=port))
    if not args.no_serve:
        serve(config)
    return 0


def cmd_debate_create(args) -> int:
    description = args.description or ""
    if args.description_file:
        try:
            description = Path(args.description_file).read_text("utf-8")
        except OSError as exc:
            raise CliError(f"--description-file: {exc.strerror}: {args.description_file}") from None
        except UnicodeDecodeError:
            raise CliError(f"--description-file: {args.description_file} is not UTF-8 text") from None
    new = NewDebate(args.slug, args.title, description, parse_when(args.opens_at, "--opens-at"),
                    parse_when(args.closes_at, "--closes-at"))

    debate = run_use_case(args, services.create_debate, new)
    print(f"created debate {debate.slug} ({debate.status.value})")
    return 0


def cmd_debate_list(args) -> int:
    statuses = (DebateStatus(args.status),) if args.status else None

    async def work(db):
        debates, after = [], None
        while True:
            page = await db.read().debates.list_page(statuses=statuses, after=after, limit=200)
            debates.extend(page.items)
            if page.next_cursor is None:
                return debates
            after = page.next_cursor

    debates = run_db(args, work)
    print_table(
        [[d.slug, d.status.value, d.closes_at.isoformat() if d.closes_at else "-", d.title]
         for d in debates],
        ["SLUG", "STATUS", "CLOSES", "TITLE"],
    )
    return 0


def _debate_transition(target: DebateStatus):
    def command(args) -> int:
        debate = run_use_case(args, services.change_debate_status, args.slug, target)
        print(f"debate {debate.slug} is {debate.status.value}")
        return 0

    return command


def cmd_db_migrate(args) -> int:
    async def work(db):
        return db.applied_migrations, await db.schema_version()

    applied, version = run_db(args, work)
    print(f"applied {', '.join(applied)}" if applied else "nothing to apply")
    print(f"schema version {version}")
    return 0


def cmd_db_backup(args) -> int:
    target = Path(args.path)
    if target.exists():
        raise CliError(f"{target} already exists: choose a new file name")
    if not target.parent.is_dir():
        raise CliError(f"{target.parent} is not a directory")
    run_db(args, lambda db: db.backup(target))
    print(f"backed up to {target}")
    return 0


def cmd_doctor(args) -> int:
    from .doctor import run_checks

    results = asyncio.run(run_checks(config_path(args)))
    for ok, label, detail in results:
        print(f"{'ok ' if ok else 'FAIL'} {label}: {detail}")
    return 0 if all(ok for ok, _, _ in results) else EXIT_ERROR


# ---- parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help="configuration file (default: $THC_CONFIG or ./config.toml)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log debug messages")
    parser = argparse.ArgumentParser(prog="thc-node", description="Run a THC Node territory.",
                                     parents=[common])
    sub = Subparsers(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"),
                      common)

    p = sub.add_parser("init", help="write the configuration, create the database and the keys")
    p.add_argument("--base-url", required=True, help="public URL, e.g. https://participer.ville.fr")
    p.add_argument("--name", default="Territoire citoyen", help='e.g. "Commune de Saint-Aubin"')
    p.add_argument("--data-dir", help="where the database lives (default: beside the config)")
    p.add_argument("--allow-private-addresses", action="store_true",
                   help="let this node federate with private and loopback addresses (dev, tests)")
    p.add_argument("--force", action="store_true", help="overwrite an existing configuration")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="serve the node")
    p.add_argument("--host", help="listen address (default: from the config)")
    p.add_argument("--port", type=int, help="listen port (default: from the config)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="set up a demo territory if needed, then serve it")
    p.add_argument("--port", type=int, help="listen port (default 8080)")
    p.add_argument("--no-serve", action="store_true", help="set up and load, then exit")
    p.set_defaults(func=cmd_demo)

    cli_accounts.add_commands(sub)

    debate = sub.group("debate", help="manage debates")
    p = debate.add_parser("create", help="create a debate (as a draft)")
    p.add_argument("slug")
    p.add_argument("--title", required=True)
    p.add_argument("--description", help="markdown")
    p.add_argument("--description-file", help="read the markdown description from a file")
    p.add_argument("--opens-at", help="ISO 8601 with time zone")
    p.add_argument("--closes-at", help="ISO 8601 with time zone; the debate closes by itself then")
    p.set_defaults(func=cmd_debate_create)
    p = debate.add_parser("list", help="list debates")
    p.add_argument("--status", choices=[s.value for s in DebateStatus])
    p.set_defaults(func=cmd_debate_list)
    for name, target in (("open", DebateStatus.OPEN), ("close", DebateStatus.CLOSED),
                         ("conclude", DebateStatus.CONCLUDED)):
        p = debate.add_parser(name, help=f"mark a debate {target.value}")
        p.add_argument("slug")
        p.set_defaults(func=_debate_transition(target))

    db = sub.group("db", help="database maintenance")
    db.add_parser("migrate", help="apply pending migrations").set_defaults(func=cmd_db_migrate)
    p = db.add_parser("backup", help="copy the live database to a new file")
    p.add_argument("path")
    p.set_defaults(func=cmd_db_backup)

    sub.add_parser("doctor", help="check the configuration, database, keys and base URL"
                   ).set_defaults(func=cmd_doctor)

    cli_federation.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"thc-node: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (CliError, DomainError) as exc:
        print(f"thc-node: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # storage errors: one line, no traceback
        from .app import STORAGE_ERRORS

        if isinstance(exc, STORAGE_ERRORS):
            print(f"thc-node: database error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        raise


if __name__ == "__main__":
    sys.exit(main())
