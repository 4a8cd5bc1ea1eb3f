"""The `thc-node` command line. User mistakes give one line on stderr and a non-zero status."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from node import services
from node.accounts import NewMember
from node.errors import DomainError
from node.model import DebateStatus, NewDebate, Operator, Role

from .config import ConfigError, Config, check_base_url, load_config

EXIT_ERROR = 1
EXIT_CONFIG = 2
OPERATOR = Operator()


class CliError(Exception):
    pass


# ---- configuration -------------------------------------------------------------------------

def config_path(args: argparse.Namespace) -> Path:
    return Path(getattr(args, "config", None) or os.environ.get("THC_CONFIG") or "config.toml")


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


def load(args: argparse.Namespace) -> Config:
    return load_config(config_path(args))


# ---- async helpers -------------------------------------------------------------------------

async def _with_db(config: Config, work):
    from .app import open_database

    database = await open_database(config)
    try:
        return await work(database)
    finally:
        await database.close()


def run_db(args, work):
    return asyncio.run(_with_db(load(args), work))


def _clock():
    from node.clock import SystemClock

    return SystemClock()


def _parse_when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{name}: expected an ISO 8601 date and time with a time zone, "
                       f"such as 2027-01-31T18:00:00+01:00, got {value!r}") from None
    if when.tzinfo is None:
        raise CliError(f"{name}: add a time zone, such as {value}+01:00")
    return when


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


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
            return await ensure_node_keys(database, _clock())
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
    walk it again while requests wait (measured under load, issue 4)."""
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
    loaded = asyncio.run(_with_db(config, lambda db: load_demo(db, _clock())))
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


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise CliError(f"unknown role {value!r} (roles: {', '.join(r.value for r in Role)})") from None


def _read_password(args) -> str | None:
    if not args.password_stdin:
        return None
    password = sys.stdin.readline().rstrip("\n")
    if len(password) < 10:
        raise CliError("the password must have at least 10 characters")
    from .auth import hash_password

    return hash_password(password)


def cmd_member_add(args) -> int:
    new = NewMember(args.username, args.name or args.username, _role(args.role),
                    args.mandate or "", _read_password(args))

    async def work(db):
        async with db.transaction() as tx:
            return await services.admit_member(tx, _clock(), OPERATOR, new)

    member = run_db(args, work)
    print(f"added {member.username} ({member.role.value})")
    return 0


def cmd_member_list(args) -> int:
    async def work(db):
        members, after = [], None
        while True:
            page = await db.read().members.list_page(after=after, limit=200)
            members.extend(page.items)
            if page.next_cursor is None:
                return members
            after = page.next_cursor

    members = run_db(args, work)
    if args.json:
        print(json.dumps([{"username": m.username, "display_name": m.display_name,
                           "role": m.role.value, "mandate": m.mandate,
                           "verified_resident": m.is_verified_resident} for m in members],
                         ensure_ascii=False, indent=2))
        return 0
    _print_table(
        [[m.username, m.display_name, m.role.value, "yes" if m.is_verified_resident else "no",
          m.mandate] for m in members],
        ["USERNAME", "NAME", "ROLE", "VERIFIED", "MANDATE"],
    )
    return 0


def cmd_member_set_role(args) -> int:
    role = _role(args.role)

    async def work(db):
        async with db.transaction() as tx:
            return await services.change_role(tx, _clock(), OPERATOR, args.username, role,
                                              args.mandate)

    member = run_db(args, work)
    print(f"{member.username} is now {member.role.value}"
          + (f" ({member.mandate})" if member.mandate else ""))
    return 0


def cmd_member_verify(args) -> int:
    async def work(db):
        async with db.transaction() as tx:
            actor = OPERATOR
            if args.by:
                actor = await services.get_member(tx, args.by)
            return await services.verify_resident(tx, _clock(), actor, args.username)

    member = run_db(args, work)
    print(f"{member.username} is a verified resident")
    return 0


def cmd_member_reset_link(args) -> int:
    config = load(args)

    async def work(db):
        async with db.transaction() as tx:
            return await services.request_password_reset(tx, _clock(), OPERATOR, args.username)

    token = asyncio.run(_with_db(config, work))
    print(f"{config.node.base_url}/mot-de-passe/{token}")  # valid one hour, once
    return 0


def cmd_member_invite(args) -> int:
    from datetime import timedelta

    async def work(db):
        async with db.transaction() as tx:
            return await services.create_invitation(
                tx, _clock(), OPERATOR, valid_for=timedelta(days=args.days), note=args.note or "")

    invitation, code = run_db(args, work)
    print(code)
    print(f"valid until {invitation.expires_at.isoformat()}", file=sys.stderr)
    return 0


def cmd_token_create(args) -> int:
    async def work(db):
        async with db.transaction() as tx:
            return await services.issue_api_token(tx, _clock(), OPERATOR, args.username,
                                                  args.label or "")

    print(run_db(args, work))  # only the token on stdout, for scripts
    return 0


def cmd_token_list(args) -> int:
    async def work(db):  # a read: no write transaction
        return await services.list_api_tokens(db.read(), OPERATOR, args.username)

    _print_table([[str(t.id), t.username, t.created_at.isoformat(timespec="seconds"), t.label]
                  for t in run_db(args, work)], ["ID", "MEMBER", "CREATED", "LABEL"])
    return 0


def cmd_token_revoke(args) -> int:
    async def work(db):
        async with db.transaction() as tx:
            return await services.revoke_api_token(tx, _clock(), OPERATOR, args.id)

    token = run_db(args, work)
    print(f"revoked token {token.id} of {token.username}"
          f"{f' ({token.label})' if token.label else ''}; a running node refuses it at once")
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
    new = NewDebate(args.slug, args.title, description, _parse_when(args.opens_at, "--opens-at"),
                    _parse_when(args.closes_at, "--closes-at"))

    async def work(db):
        async with db.transaction() as tx:
            return await services.create_debate(tx, _clock(), OPERATOR, new)

    debate = run_db(args, work)
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
    _print_table(
        [[d.slug, d.status.value, d.closes_at.isoformat() if d.closes_at else "-", d.title]
         for d in debates],
        ["SLUG", "STATUS", "CLOSES", "TITLE"],
    )
    return 0


def _debate_transition(target: DebateStatus):
    def command(args) -> int:
        async def work(db):
            async with db.transaction() as tx:
                return await services.change_debate_status(tx, _clock(), OPERATOR, args.slug, target)

        debate = run_db(args, work)
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


# ---- territories this node follows (issue 5) ---------------------------------------------

async def with_federation(config: Config, work, *, http_client=None, clock=None):
    """Run `work(federation)` over the node's database, for commands that talk to other
    nodes: what they queue (a Follow) is delivered by the running server's workers."""
    import aiohttp

    from federation.context import Federation

    from .app import USER_AGENT, open_database

    database = await open_database(config)
    client = http_client or aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
    try:
        fed = Federation(settings=config.federation, base_url=config.node.base_url,
                         node_name=config.node.name,
                         registration_open=config.node.registration == "open",
                         database=database, clock=clock or _clock(), session=client,
                         language=config.node.default_language)
        return await work(fed)
    finally:
        if http_client is None:
            await client.close()
        await database.close()


def cmd_follow(args) -> int:
    from federation import territories

    row = asyncio.run(with_federation(
        load(args), lambda fed: territories.follow_territory(fed, args.target)))
    print(f"following {row.target_ap_id}: {row.state}"
          + (" (the running server delivers the Follow)" if row.state == "pending" else ""))
    return 0


def cmd_unfollow(args) -> int:
    from federation import territories

    if not asyncio.run(with_federation(
            load(args), lambda fed: territories.unfollow_territory(fed, args.target))):
        raise CliError(f"this node does not follow {args.target}")
    print(f"stopped following {args.target}")
    return 0


def cmd_following(args) -> int:
    from federation import territories

    rows = run_db(args, territories.list_followed)

    def backfill(row) -> str:
        b = row.backfill
        return "-" if b is None else f"{b.state} ({b.items} proposals, {b.pages} pages)"

    _print_table([[r.ap_id, r.name or r.host or "", r.state, backfill(r)] for r in rows],
                 ["TERRITORY", "NAME", "FOLLOW", "BACKFILL"])
    return 0


# ---- domain blocks (issue 4) ---------------------------------------------------------------

def _blocks(args, work):
    from federation.blocks import BadDomain

    try:
        return asyncio.run(with_federation(load(args), lambda fed: work(fed.blocked)))
    except BadDomain as exc:
        raise CliError(str(exc)) from None


def cmd_block_add(args) -> int:
    change = _blocks(args, lambda blocks: blocks.add(args.domain, args.reason or ""))
    print(f"{'blocked' if change.added else 'already blocked (reason updated)'}: "
          f"{change.domain} and its subdomains; {change.cancelled_deliveries} pending "
          f"deliveries cancelled (the running server applies it within a worker pass)")
    return 0


def cmd_block_remove(args) -> int:
    if not _blocks(args, lambda blocks: blocks.remove(args.domain)):
        raise CliError(f"{args.domain} is not blocked in the database (blocks from the "
                       f"config file stay until removed there)")
    print(f"unblocked {args.domain}")
    return 0


def cmd_block_list(args) -> int:
    rows = _blocks(args, lambda blocks: blocks.list_all())
    _print_table([[b.domain, source, b.created_at.isoformat(timespec="seconds")
                   if source == "table" else "-", b.reason] for b, source in rows],
                 ["DOMAIN", "FROM", "SINCE", "REASON"])
    return 0


def cmd_doctor(args) -> int:
    from .doctor import run_checks

    results = asyncio.run(run_checks(config_path(args)))
    for ok, label, detail in results:
        print(f"{'ok ' if ok else 'FAIL'} {label}: {detail}")
    return 0 if all(ok for ok, _, _ in results) else EXIT_ERROR


# ---- parser --------------------------------------------------------------------------------

class _Subparsers:
    """Adds the common options (--config, -v) to every command, so they go anywhere."""

    def __init__(self, action, common: argparse.ArgumentParser):
        self.action, self.common = action, common

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        return self.action.add_parser(name, parents=[self.common], **kwargs)

    def group(self, name: str, **kwargs) -> "_Subparsers":
        parser = self.add_parser(name, **kwargs)
        return _Subparsers(parser.add_subparsers(dest="action", required=True, metavar="ACTION"),
                           self.common)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help="configuration file (default: $THC_CONFIG or ./config.toml)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="log debug messages")
    parser = argparse.ArgumentParser(prog="thc-node", description="Run a THC Node territory.",
                                     parents=[common])
    sub = _Subparsers(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"),
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

    member = sub.group("member", help="manage members")
    p = member.add_parser("add", help="add a member")
    p.add_argument("username")
    p.add_argument("--name", help="display name")
    p.add_argument("--role", default="citizen", help="citizen (default), representative, "
                   "association, company, moderator, trusted_third_party or admin")
    p.add_argument("--mandate", help='for representatives, e.g. "adjointe à la mobilité"')
    p.add_argument("--password-stdin", action="store_true", help="read a password from stdin")
    p.set_defaults(func=cmd_member_add)
    p = member.add_parser("list", help="list members")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_member_list)
    p = member.add_parser("set-role", help="change a member's role")
    p.add_argument("username")
    p.add_argument("role")
    p.add_argument("--mandate", help="the representative's mandate")
    p.set_defaults(func=cmd_member_set_role)
    p = member.add_parser("verify", help="mark a member as a verified resident")
    p.add_argument("username")
    p.add_argument("--by", help="the admin or trusted third party who checked (default: operator)")
    p.set_defaults(func=cmd_member_verify)

    p = member.add_parser("reset-link", help="print a one-time password reset link (1 hour)")
    p.add_argument("username")
    p.set_defaults(func=cmd_member_reset_link)
    p = member.add_parser("invite", help="print a single-use registration code")
    p.add_argument("--days", type=int, default=14, help="validity in days (default 14)")
    p.add_argument("--note", help="who it is for")
    p.set_defaults(func=cmd_member_invite)

    token = sub.group("token", help="personal API tokens")
    p = token.add_parser("create", help="create a token and print it")
    p.add_argument("username")
    p.add_argument("--label", help="what the token is for")
    p.set_defaults(func=cmd_token_create)
    p = token.add_parser("list", help="list tokens (id, member, date, label; never the token)")
    p.add_argument("username", nargs="?", help="one member's tokens (default: everyone's)")
    p.set_defaults(func=cmd_token_list)
    p = token.add_parser("revoke", help="delete a token: requests with it are refused")
    p.add_argument("id", type=int, help="the token's id, from `token list`")
    p.set_defaults(func=cmd_token_revoke)

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

    p = sub.add_parser("follow", help="follow another territory (its proposals reach the "
                       "network view)")
    p.add_argument("target", help="its address (https://…) or handle (@name@host)")
    p.set_defaults(func=cmd_follow)
    p = sub.add_parser("unfollow", help="stop following a territory")
    p.add_argument("target", help="its address (https://…) or handle (@name@host)")
    p.set_defaults(func=cmd_unfollow)
    sub.add_parser("following", help="list the territories this node follows"
                   ).set_defaults(func=cmd_following)

    block = sub.group("block", help="domain blocks: nothing fetched from, delivered to or "
                      "accepted from a blocked domain or its subdomains")
    p = block.add_parser("add", help="block a domain (cancels pending deliveries to it)")
    p.add_argument("domain")
    p.add_argument("--reason", help="why, for the operators")
    p.set_defaults(func=cmd_block_add)
    p = block.add_parser("remove", help="unblock a domain blocked with `block add`")
    p.add_argument("domain")
    p.set_defaults(func=cmd_block_remove)
    block.add_parser("list", help="list blocked domains (database and config file)"
                     ).set_defaults(func=cmd_block_list)
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
