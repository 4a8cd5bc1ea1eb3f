"""Queue an outgoing activity: store it (so its id dereferences) and one delivery per inbox,
inside the caller's transaction. Sending is delivery.py's job."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from storage.repos.outbox import OutboxRepo

from . import vocab
from .fetch import is_blocked
from .local_actors import LocalActor
from .uris import host_of, origin_of

if TYPE_CHECKING:
    from .context import Federation


def new_activity_id(fed: Federation) -> str:
    return fed.uris.activity_uri(str(uuid.uuid4()))


async def enqueue(fed: Federation, conn, *, activity: dict, actor: LocalActor,
                  inboxes: Iterable[str], is_public: bool = False) -> int:
    """Store `activity` and a pending delivery to each distinct, allowed inbox."""
    repo = OutboxRepo(conn)
    now = fed.now()
    activity_id = await repo.add_activity(
        ap_id=activity["id"], type=activity["type"], actor=actor.ap_id, key_owner=actor.owner,
        body=vocab.dumps(activity).decode(), is_public=is_public, at=now,
    )
    for inbox in dict.fromkeys(inboxes):  # shared inboxes repeat: one delivery each
        origin = origin_of(inbox)
        if origin is None or fed.uris.is_local(inbox):
            continue
        if is_blocked(origin[1], fed.settings.blocked_domains):
            continue  # nothing is delivered to a blocked domain
        await repo.add_delivery(activity_id, inbox, host_of(inbox), now)
    return activity_id
