"""`thc-node member …` and `thc-node token …`: members, roles, verification, password reset
links, invitations and personal API tokens, as the node operator."""
from __future__ import annotations

import asyncio
import json
import sys

from node import services
from node.accounts import NewMember
from node.model import Role

from .cli_support import (
    OPERATOR,
    CliError,
    Subparsers,
    clock,
    load,
    print_table,
    run_db,
    run_use_case,
    with_db,
)


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

    member = run_use_case(args, services.admit_member, new)
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
    print_table(
        [[m.username, m.display_name, m.role.value, "yes" if m.is_verified_resident else "no",
          m.mandate] for m in members],
        ["USERNAME", "NAME", "ROLE", "VERIFIED", "MANDATE"],
    )
    return 0


def cmd_member_set_role(args) -> int:
    role = _role(args.role)

    member = run_use_case(args, services.change_role, args.username, role, args.mandate)
    print(f"{member.username} is now {member.role.value}"
          + (f" ({member.mandate})" if member.mandate else ""))
    return 0


def cmd_member_verify(args) -> int:
    async def work(db):
        async with db.transaction() as tx:
            actor = OPERATOR
            if args.by:
                actor = await services.get_member(tx, args.by)
            return await services.verify_resident(tx, clock(), actor, args.username)

    member = run_db(args, work)
    print(f"{member.username} is a verified resident")
    return 0


def cmd_member_reset_link(args) -> int:
    config = load(args)

    async def work(db):
        async with db.transaction() as tx:
            return await services.request_password_reset(tx, clock(), OPERATOR, args.username)

    token = asyncio.run(with_db(config, work))
    print(f"{config.node.base_url}/mot-de-passe/{token}")  # valid one hour, once
    return 0


def cmd_member_invite(args) -> int:
    from datetime import timedelta

    invitation, code = run_use_case(args, services.create_invitation,
                                    valid_for=timedelta(days=args.days), note=args.note or "")
    print(code)
    print(f"valid until {invitation.expires_at.isoformat()}", file=sys.stderr)
    return 0


def cmd_token_create(args) -> int:
    # Only the token on stdout, for scripts.
    print(run_use_case(args, services.issue_api_token, args.username, args.label or ""))
    return 0


def cmd_token_list(args) -> int:
    async def work(db):  # a read: no write transaction
        return await services.list_api_tokens(db.read(), OPERATOR, args.username)

    print_table([[str(t.id), t.username, t.created_at.isoformat(timespec="seconds"), t.label]
                  for t in run_db(args, work)], ["ID", "MEMBER", "CREATED", "LABEL"])
    return 0


def cmd_token_revoke(args) -> int:
    token = run_use_case(args, services.revoke_api_token, args.id)
    print(f"revoked token {token.id} of {token.username}"
          f"{f' ({token.label})' if token.label else ''}; a running node refuses it at once")
    return 0


def add_commands(sub: Subparsers) -> None:
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
