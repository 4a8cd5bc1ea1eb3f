"""A poll's tally update, rendered once per debounce window.

Votes on a proposal make the fan-out send an `Update(Question)` with the new totals (no
`updated`: Mastodon would take it for an edit), debounced: one per window per question. The
first vote event of a window stores the Update with a bare placeholder body and its deliveries
held (storage/repos/held_deliveries.py); the window's later votes only add recipients. When
the window closes, `release_due` reads the totals once, writes the final body under the same
id and makes the deliveries due. So a burst of 10,000 votes costs one tally, not one per
fan-out pass, and what is sent is what is stored when it leaves.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from node.errors import NotFound
from storage.repos.held_deliveries import HELD_UNTIL, HeldDeliveryRepo
from storage.repos.outbox import OutboxRepo

from . import outbox, proposals, vocab
from .local_actors import LocalActor

if TYPE_CHECKING:
    from .context import Federation


def placeholder(activity_id: str, actor: str, question_id: str) -> dict:
    """What the Update says until its window closes: the Question by id (never delivered)."""
    return {"@context": vocab.AS_CONTEXT, "id": activity_id, "type": "Update", "actor": actor,
            "object": question_id}


def tally_update(activity_id: str, actor: str, question: dict) -> dict:
    """Update(Question) with the question as served now: its totals, no `updated`."""
    return {"@context": question["@context"], "id": activity_id, "type": "Update",
            "actor": actor, "object": vocab.without_context(question),
            "to": question["to"], "cc": question["cc"]}


async def hold(fed: Federation, conn, *, activity: dict, actor: LocalActor,
               targets: list[tuple[str, str]], object_ap_id: str, event_id: int) -> None:
    """Inside the fan-out's transaction: the window's Update (stored by its first vote event)
    gets these recipients too, held until the window closes."""
    held = await HeldDeliveryRepo(conn).find_held(actor=actor.ap_id, type=activity["type"],
                                                  object_ap_id=object_ap_id)
    if held is not None:
        await OutboxRepo(conn).add_deliveries(held, targets, fed.now(), HELD_UNTIL)
        return
    await outbox.enqueue_targets(fed, conn, activity=activity, actor=actor, targets=targets,
                                 is_public=False, event_id=event_id, object_ap_id=object_ap_id,
                                 send_at=HELD_UNTIL)


async def release_due(fed: Federation, window: timedelta) -> int:
    """Render the Updates whose window has closed (the one tally read of each) and make their
    deliveries due; an Update about a proposal now hidden or gone is dropped unsent."""
    due = await HeldDeliveryRepo(fed.db.read().conn).list_due(
        type="Update", created_before=fed.now() - window)
    if not due:
        return 0
    bodies: dict[int, str | None] = {}
    for held in due:
        proposal_id = proposals.proposal_id_of(fed.uris, held.object_ap_id)
        try:
            if proposal_id is None:
                raise NotFound("not one of our proposals")
            _, question = await proposals.current_question(fed, proposal_id)
        except NotFound:
            bodies[held.id] = None
            continue
        bodies[held.id] = vocab.dumps(tally_update(held.ap_id, held.actor, question)).decode()
    async with fed.db.transaction() as tx:
        repo = HeldDeliveryRepo(tx.conn)
        for activity_id, body in bodies.items():
            if body is None:
                await repo.delete(activity_id)
            else:
                await repo.release(activity_id, body, fed.now())
    fed.wake_delivery()
    return len(due)
