"""`thc-node follow | unfollow | following | followers … | block …`: the territories this node
follows, the requests to follow it, and the domains it blocks. These commands talk to other
nodes: what they queue (a Follow, an Accept) is delivered by the running server's workers."""
from __future__ import annotations

import asyncio

from .cli_support import CliError, Subparsers, clock as system_clock, load, print_table, run_db
from .config import Config


async def with_federation(config: Config, work, *, http_client=None, clock=None):
    """Run `work(deps)` (federation.deps.Deps) over the node's database, for commands that talk to other
    nodes: what they queue (a Follow) is delivered by the running server's workers."""
    import aiohttp

    from federation.service import FederationService

    from .app import USER_AGENT, open_database

    database = await open_database(config)
    client = http_client or aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
    try:
        fed = FederationService(settings=config.federation, base_url=config.node.base_url,
                                node_name=config.node.name,
                                registration_open=config.node.registration == "open",
                                database=database, clock=clock or system_clock(),
                                session=client, language=config.node.default_language)
        return await work(fed.deps)
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

    print_table([[r.ap_id, r.name or r.host or "", r.state, backfill(r)] for r in rows],
                 ["TERRITORY", "NAME", "FOLLOW", "BACKFILL"])
    return 0


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
    print_table([[b.domain, source, b.created_at.isoformat(timespec="seconds")
                   if source == "table" else "-", b.reason] for b, source in rows],
                 ["DOMAIN", "FROM", "SINCE", "REASON"])
    return 0


def cmd_followers_pending(args) -> int:
    from federation import follows

    rows = asyncio.run(with_federation(
        load(args), lambda fed: follows.pending_followers(fed, fed.local.node())))
    print_table([[r.follower_ap_id, r.created_at.isoformat(timespec="seconds")] for r in rows],
                ["TERRITORY", "ASKED"])
    return 0


def _answer_follower(args, approve: bool) -> int:
    from federation import follows

    answer = follows.approve_follower if approve else follows.reject_follower
    asyncio.run(with_federation(
        load(args), lambda fed: answer(fed, fed.local.node(), args.follower)))
    print(f"{'accepted' if approve else 'refused'} {args.follower}"
          " (the running server delivers the answer)")
    return 0


def cmd_followers_approve(args) -> int:
    return _answer_follower(args, approve=True)


def cmd_followers_reject(args) -> int:
    return _answer_follower(args, approve=False)


def add_commands(sub: Subparsers) -> None:
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

    followers = sub.group("followers", help="other territories' requests to follow this one "
                          "([federation] manual_node_follow_approval)")
    followers.add_parser("pending", help="list the follow requests waiting for approval"
                         ).set_defaults(func=cmd_followers_pending)
    p = followers.add_parser("approve", help="accept a follow request (sends the Accept)")
    p.add_argument("follower", help="the following territory's address, from `followers pending`")
    p.set_defaults(func=cmd_followers_approve)
    p = followers.add_parser("reject", help="refuse a follow request, or remove a follower "
                             "(sends the Reject)")
    p.add_argument("follower", help="the following territory's address")
    p.set_defaults(func=cmd_followers_reject)
