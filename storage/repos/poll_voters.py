"""Who voted on a poll from another server, as the inboxes that get its tally updates.

One query for both kinds of poll (a proposal, an amendment): the totals go to the voters'
servers, never who voted what."""
from __future__ import annotations

from typing import Literal

from ..connection import Connection

PollKind = Literal["proposal", "amendment"]

_QUERIES = {
    kind: ("SELECT DISTINCT coalesce(ra.shared_inbox, ra.inbox) FROM " + table + " v"
           " JOIN participants pa ON pa.id = v.participant_id"
           " JOIN remote_actors ra ON ra.ap_id = pa.ap_id"
           " WHERE v." + column + " = ? AND pa.kind = 'remote' AND ra.is_gone = 0")
    for kind, table, column in (("proposal", "votes", "proposal_id"),
                                ("amendment", "amendment_votes", "amendment_id"))
}


async def remote_voter_inboxes(conn: Connection, kind: PollKind,
                               poll_id: int) -> tuple[str, ...]:
    """The inboxes of the remote actors who voted on the poll, each server's shared one when
    it has one. Reduced in SQL: read once per vote, it must not grow with the voters."""
    async with conn.execute(_QUERIES[kind], (poll_id,)) as cur:
        return tuple(row[0] for row in await cur.fetchall())
