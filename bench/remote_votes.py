"""Remote votes (issue 5): 10,000 signed votes on one proposal from 2,000 distinct fediverse
actors, as Mastodon sends them (`Create(Note{name, inReplyTo})` to the Group's own inbox), on a
real `thc-node serve` with its workers on.

Measured from the first POST to the moment a sink following the debate receives the
`Update(Question)` showing the final totals; the counts are then checked exactly in the node's
database (each actor's last choice, once). The ratio is our time over the time the inbox
reference of the same run (`bench.inbox_reference`: verify, commit one row) would take to
accept the same 10,000 requests. The tally update is debounced by design (one a minute per
question, federation/fanout.py TALLY_DEBOUNCE), so that time has the debounce as its floor;
the second row, the time until every vote is counted, shows the processing itself (target
COUNTED_TARGET: the inbox worker applies runs of votes in one transaction,
federation/vote_batch.py).

Actors: RSA key generation is slow, so the 2,000 actors share a few key pairs; each has its own
actor document (served by the sinks process, `GET /users/v<N>` on a sink port), its own keyId
and its own id, and the node fetches each one as it would any new peer.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from .federation import FedResult, Sinks, _int_env, _post_json, init_node, serve_node

AS2 = "application/activity+json"
OPTIONS = ("D'accord", "Mitigé", "Pas d'accord")  # the node's default language (fr)
CHOICES = ("for", "mixed", "against")
TIMEOUT_S = 240.0
CONCURRENCY = 64
FOLLOWER_PATH = "/users/follower/inbox"
# Counting them all may take at most 3x the time the inbox reference takes to accept them.
COUNTED_TARGET = 3.0


def _settings(env=os.environ) -> tuple[int, int, int, int]:
    votes = _int_env("BENCH_REMOTE_VOTES", 10_000, 10, 200_000, env)
    voters = _int_env("BENCH_REMOTE_VOTERS", 2_000, 1, votes, env)
    keys = _int_env("BENCH_REMOTE_VOTER_KEYS", 8, 1, 64, env)
    hosts = _int_env("BENCH_REMOTE_VOTER_HOSTS", 20, 1, 500, env)
    return votes, voters, keys, hosts


def _choice(voter: int, round_: int) -> int:
    """Each actor changes its mind from one vote to the next: its last one counts."""
    return (voter + round_) % 3


def expected_totals(votes: int, voters: int) -> dict[str, int]:
    last: dict[int, int] = {}
    for index in range(votes):
        voter, round_ = index % voters, index // voters
        last[voter] = _choice(voter, round_)
    totals = dict.fromkeys(CHOICES, 0)
    for choice in last.values():
        totals[CHOICES[choice]] += 1
    return totals


# ---- preparing the node ----------------------------------------------------------------------

async def _prepare(database: Path, follower: str, follower_host: str) -> int:
    """An open debate with one proposal, followed by a Mastodon-like sink actor."""
    from federation.keys import generate_actor_keys
    from node import services
    from node.accounts import NewMember
    from node.clock import SystemClock
    from node.model import DebateStatus, NewDebate, Operator, ProposalDraft, Role
    from storage.db import Database
    from storage.repos.keys import KeyRepo

    clock = SystemClock()
    db = await Database(database).open()
    try:
        async with db.transaction() as tx:
            debate = await services.create_debate(tx, clock, Operator(),
                                                  NewDebate("votes", "Débat votes", ""))
            await services.change_debate_status(tx, clock, Operator(), "votes",
                                                DebateStatus.OPEN)
            await KeyRepo(tx.conn).add(generate_actor_keys(f"debate:{debate.id}", clock.now()))
            author = await services.admit_member(
                tx, clock, Operator(), NewMember("autrice", "Autrice", Role.CITIZEN, ""))
            proposal = await services.submit_proposal(
                tx, clock, author, "votes", ProposalDraft("Des fontaines", "Dix fontaines."))
            accepted = clock.now().isoformat(timespec="microseconds")
            await tx.conn.execute(
                "INSERT INTO remote_actors (ap_id, type, host, inbox, shared_inbox, fetched_at)"
                " VALUES (?, 'Person', ?, ?, NULL, ?)",
                (follower, follower_host, follower + "/inbox", accepted))
            await tx.conn.execute(
                "INSERT INTO remote_hosts (host, software, software_version,"
                " nodeinfo_fetched_at, updated_at) VALUES (?, 'mastodon', '4.5.0', ?, ?)",
                (follower_host, accepted, accepted))
            await tx.conn.execute(
                "INSERT INTO followers (local_actor, follower_ap_id, follow_ap_id, state,"
                " created_at, accepted_at) VALUES (?, ?, ?, 'accepted', ?, ?)",
                (f"debate:{debate.id}", follower, follower + "#follow", accepted, accepted))
        await asyncio.sleep(0.01)  # the votes come after the follow
        return proposal.id
    finally:
        await db.close()


# ---- signing in advance ----------------------------------------------------------------------

_SIGNER: tuple | None = None


def _init_signer(*args) -> None:
    global _SIGNER
    _SIGNER = args


def _signed_vote(index: int) -> tuple[dict, bytes]:
    """The index-th vote: voter index % voters, its round index // voters."""
    from federation.signatures import sign_request_cavage

    keys, voters, ports, inbox, question, group = _SIGNER
    voter, round_ = index % voters, index // voters
    actor = f"http://127.0.0.1:{ports[voter % len(ports)]}/users/v{voter}"
    body = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor}/votes/{round_}", "type": "Create", "actor": actor, "to": [group],
        "object": {"id": f"{actor}/votes/{round_}/note", "type": "Note", "attributedTo": actor,
                   "name": OPTIONS[_choice(voter, round_)], "inReplyTo": question,
                   "to": [group]},
    }, separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": AS2}
    headers.update(sign_request_cavage(method="POST", url=inbox, headers=headers, body=body,
                                       key_id=f"{actor}#main-key",
                                       private_key_pem=keys[voter % len(keys)],
                                       now=datetime.now(timezone.utc)))
    return headers, body


def sign_votes(votes: int, *args) -> list[tuple[dict, bytes]]:
    workers = max(1, os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, initializer=_init_signer, initargs=args) as pool:
        return list(pool.map(_signed_vote, range(votes), chunksize=256))


# ---- sending and waiting ---------------------------------------------------------------------

async def _send(url: str, requests: list[tuple[dict, bytes]]) -> tuple[float, dict[int, int]]:
    """POST them in order over CONCURRENCY keep-alive connections; (start time, statuses).
    An actor's votes are `voters` requests apart, so each is answered before the next."""
    import aiohttp

    statuses: dict[int, int] = {}
    queue = iter(requests)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.time()

        async def worker() -> None:
            for headers, body in queue:
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses[response.status] = statuses.get(response.status, 0) + 1
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    statuses[0] = statuses.get(0, 0) + 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return started, statuses


def _db_state(database: Path, proposal_id: int) -> tuple[int, dict[str, int], dict[str, int],
                                                        float | None]:
    """(messages in a final state, their states, the proposal's votes by choice, when the last
    one was finished (time.time()))."""
    import sqlite3

    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        states = dict(conn.execute(
            "SELECT state, count(*) FROM inbox_messages GROUP BY state").fetchall())
        votes = dict(conn.execute(
            "SELECT choice, count(*) FROM votes WHERE proposal_id = ? AND voter_class = 'remote'"
            " GROUP BY choice", (proposal_id,)).fetchall())
        last = conn.execute("SELECT max(finished_at) FROM inbox_messages").fetchone()[0]
    finally:
        conn.close()
    done = sum(n for state, n in states.items() if state != "received")
    finished = datetime.fromisoformat(last).timestamp() if last else None
    return done, states, votes, finished


def _final_update(sinks: Sinks, question: str, totals: dict[str, int],
                  after: float) -> float | None:
    """When the follower received an Update(Question) showing exactly these totals, sent
    after the last vote was counted (mid-run totals may match the final ones by chance)."""
    with urllib.request.urlopen(sinks.control + "/watched", timeout=10) as response:
        received = json.loads(response.read())
    want = [totals[c] for c in CHOICES]
    for entry in received:
        if entry["at"] < after:
            continue
        activity = entry["body"]
        obj = activity.get("object") if isinstance(activity, dict) else None
        if (activity.get("type") == "Update" and isinstance(obj, dict)
                and obj.get("id") == question
                and [o["replies"]["totalItems"] for o in obj.get("oneOf", [])] == want
                and obj.get("votersCount") == sum(want)):
            return entry["at"]
    return None


def run_remote_votes(workdir: Path, sinks: Sinks, inbox_reference_rps: float,
                     log) -> list[FedResult]:
    from federation.keys import generate_actor_keys

    votes, voters, key_count, hosts = _settings()
    ports = sinks.ports[: max(1, min(hosts, len(sinks.ports) - 1))]
    follower_port = sinks.ports[-1]
    follower = f"http://127.0.0.1:{follower_port}/users/follower"
    log(f"remote votes: {votes:,} votes from {voters:,} actors on {len(ports)} hosts "
        f"({key_count} key pairs shared)...")
    keys = [generate_actor_keys(f"voter:{i}", datetime.now(timezone.utc))
            for i in range(key_count)]
    _post_json(sinks.control + "/voter-keys", {"keys": [k.rsa_public_pem for k in keys]})
    _post_json(sinks.control + "/watch", {"path": FOLLOWER_PATH})
    config, port = init_node(workdir, "votes-node",
                             extra="\n[workers]\nautostart = true\npoll_seconds = 0.05\n")
    database = config.parent / "thc-node.sqlite3"
    proposal_id = asyncio.run(_prepare(database, follower, f"127.0.0.1:{follower_port}"))
    base = f"http://127.0.0.1:{port}"
    group, question = f"{base}/debats/votes", f"{base}/propositions/{proposal_id}"
    inbox = f"{group}/inbox"
    totals = expected_totals(votes, voters)
    log(f"signing {votes:,} votes in advance...")
    requests = sign_votes(votes, [k.rsa_private_pem for k in keys], voters, ports, inbox,
                          question, group)
    node = serve_node(config, port, "THC Node (remote votes)")
    try:
        started, statuses = asyncio.run(_send(inbox, requests))
        accepted_at = time.time()
        log(f"remote votes: {votes:,} POSTs answered in {accepted_at - started:.2f} s "
            f"{statuses}")
        counted_at = updated_at = None
        deadline = time.monotonic() + TIMEOUT_S
        while updated_at is None or counted_at is None:
            if time.monotonic() > deadline or node.process.poll() is not None:
                done, states, _, _ = _db_state(database, proposal_id)
                raise RuntimeError(f"remote votes: {done} of {votes} processed {states}, "
                                   f"final Update(Question) seen: {updated_at is not None}\n"
                                   f"{node.log_tail()}")
            if counted_at is None:
                done, _, _, finished = _db_state(database, proposal_id)
                if done >= votes:
                    counted_at = finished  # the node's own stamp of the last vote processed
            if counted_at is not None and updated_at is None:
                updated_at = _final_update(sinks, question, totals, counted_at)
            time.sleep(0.1)
        done, states, counted, _ = _db_state(database, proposal_id)
    finally:
        node.stop()
    wrong = {c: (counted.get(c, 0), totals[c]) for c in CHOICES if counted.get(c, 0) != totals[c]}
    if wrong or states.get("processed", 0) != votes:
        raise RuntimeError(f"remote votes counted wrong: (counted, expected) {wrong}; "
                           f"inbox states {states}")
    allowed = votes / inbox_reference_rps
    to_update, to_count = updated_at - started, counted_at - started
    entry = {"votes": votes, "voters": voters, "hosts": len(ports), "key_pairs": key_count,
             "statuses": statuses, "accepted_seconds": accepted_at - started,
             "counted_seconds": to_count, "last_update_seconds": to_update,
             "reference_rps": inbox_reference_rps, "reference_seconds_allowed": allowed,
             "totals": totals, "inbox_states": states}
    log(f"remote votes: all counted exactly in {to_count:.2f} s, last Update(Question) at "
        f"{to_update:.2f} s; the inbox reference allows {allowed:.2f} s")
    failures = sum(n for status, n in statuses.items() if status != 202)
    what = f"{votes:,} votes, {voters:,} signed actors, 1 proposal"
    return [
        FedResult("remote votes", f"{what}: to the last Update(Question) (debounced 1 min); "
                  "time vs inbox reference", inbox_reference_rps, votes / to_update,
                  to_update / allowed, None, True, None, failures, [entry]),
        FedResult("remote votes, counted", f"{what}: until all counted exactly; time vs inbox "
                  "reference", inbox_reference_rps, votes / to_count, to_count / allowed,
                  COUNTED_TARGET, True, None, failures, [entry]),
    ]
