"""A poll's tally update, rendered once per debounce window.

Votes on a proposal make the fan-out send an `Update(Question)` with the new totals (no
`updated`: Mastodon would take it for an edit), debounced: one per window per question. The
first vote event of a window stores the Update with a bare placeholder body and its deliveries
held (storage/repos/held_deliveries.py); the window's later vote events find it waiting and
publish nothing. When the window closes, `release_due` reads the totals and the audience
(followers of the Group and of the node, the poll's remote voters) once, writes the final
body under the same id and makes the deliveries due. So a burst of 10,000 votes costs one
tally and one audience query, not one per fan-out pass, and what is sent is what is stored
when it leaves.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from node.errors import NotFound
from storage.repos.follows import FollowRepo
from storage.repos.held_deliveries import HELD_UNTIL, HeldActivity, HeldDeliveryRepo
from storage.repos.outbox import OutboxRepo
from storage.repos.poll_voters import remote_voter_inboxes

from . import outbox, proposals, vocab
from .deps import Deps
from .local_actors import LocalActor


async def waiting(conn, *, actor: str, question_id: str) -> bool:
    """Whether this question's Update of the current window is stored: nothing to publish."""
    return await HeldDeliveryRepo(conn).find_held(actor=actor, type="Update",
                                                  object_ap_id=question_id) is not None


async def hold(fed: Deps, conn, *, activity: dict, actor: LocalActor,
               targets: list[tuple[str, str]], object_ap_id: str, event_id: int) -> None:
    """Inside the fan-out's transaction: the window's Update with its first recipients, held
    until the window closes (if another pass stored it meanwhile, the recipients join it)."""
    held = await HeldDeliveryRepo(conn).find_held(actor=actor.ap_id, type=activity["type"],
                                                  object_ap_id=object_ap_id)
    if held is not None:
        await OutboxRepo(conn).add_deliveries(held, targets, fed.now(), HELD_UNTIL)
        return
    await outbox.enqueue_targets(fed, conn, activity=activity, actor=actor, targets=targets,
                                 is_public=False, event_id=event_id, object_ap_id=object_ap_id,
                                 send_at=HELD_UNTIL)


async def release_due(fed: Deps, window: timedelta) -> int:
    """Render the Updates whose window has closed (the one tally read of each) and make their
    deliveries due; an Update about a proposal now hidden or gone is dropped unsent."""
    due = await HeldDeliveryRepo(fed.db.read().conn).list_due(
        type="Update", created_before=fed.now() - window)
    if not due:
        return 0
    now = fed.now()
    rendered: dict[int, tuple[str, list[tuple[str, str]]] | None] = {}
    for held in due:
        proposal_id = fed.uris.proposal_id_of(held.object_ap_id)
        try:
            if proposal_id is None:
                raise NotFound("not one of our proposals")
            _, question = await proposals.current_question(fed, proposal_id)
        except NotFound:
            rendered[held.id] = None
            continue
        body = vocab.dumps(vocab.to_ap_update_question(held.ap_id, question)).decode()
        rendered[held.id] = body, await _audience(fed, held, proposal_id, now)
    async with fed.db.transaction() as tx:
        repo, deliveries = HeldDeliveryRepo(tx.conn), OutboxRepo(tx.conn)
        for activity_id, found in rendered.items():
            if found is None:
                await repo.delete(activity_id)
                continue
            body, targets = found
            await deliveries.add_deliveries(activity_id, targets, now, now)
            await repo.release(activity_id, body, now)
    fed.wake_delivery()
    return len(due)


async def _audience(fed: Deps, held: HeldActivity, proposal_id: int,
                    now: datetime) -> list[tuple[str, str]]:
    """As the fan-out's Audience(followers_of=(group, node), inboxes=remote voters), read now:
    each server's shared inbox once, blocked domains left out."""
    conn = fed.db.read().conn
    followers = await FollowRepo(conn).list_follower_inboxes(
        [held.key_owner, fed.local.node().owner], accepted_before=now)
    voters = await remote_voter_inboxes(conn, "proposal", proposal_id)
    return outbox.deliverable(fed, [*followers, *voters])
