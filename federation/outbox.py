"""Queue an outgoing activity: store it (so its id dereferences) and one delivery per inbox,
inside the caller's transaction. Sending is delivery.py's job; choosing inboxes is ours."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from node.origins import DEFAULT_PORTS
from storage.repos.follows import Recipient
from storage.repos.outbox import OutboxRepo

from . import vocab
from .deps import Deps
from .local_actors import LocalActor
from .uris import origin_of


def inboxes_of(recipients: Iterable[Recipient], *, shared: bool = True) -> list[str]:
    """One inbox per recipient, its server's shared inbox when it has one and `shared` holds
    (Lemmy `shared_inbox_or_inbox`, Fedify `extractInboxes`); duplicates removed, order kept."""
    chosen = ((r.shared_inbox or r.inbox) if shared else r.inbox for r in recipients)
    return list(dict.fromkeys(chosen))


def deliverable(fed: Deps, inboxes: Iterable[str]) -> list[tuple[str, str]]:
    """(inbox, host) for each distinct inbox we may deliver to: not ours, not blocked."""
    targets = []
    blocked = fed.blocked
    for inbox in dict.fromkeys(inboxes):  # shared inboxes repeat: one delivery each
        origin = origin_of(inbox)
        if origin is None or origin == fed.uris.origin:
            continue
        scheme, host, port = origin
        if blocked(host):
            continue  # nothing is delivered to a blocked domain
        targets.append((inbox, host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"))
    return targets


async def enqueue(fed: Deps, conn, *, activity: dict, actor: LocalActor,
                  inboxes: Iterable[str], is_public: bool = False, event_id: int | None = None,
                  object_ap_id: str | None = None, send_at: datetime | None = None) -> int:
    """Store `activity` and a pending delivery to each distinct, allowed inbox."""
    return await enqueue_targets(fed, conn, activity=activity, actor=actor,
                                 targets=deliverable(fed, inboxes), is_public=is_public,
                                 event_id=event_id, object_ap_id=object_ap_id, send_at=send_at)


async def enqueue_targets(fed: Deps, conn, *, activity: dict, actor: LocalActor,
                          targets: list[tuple[str, str]], is_public: bool = False,
                          event_id: int | None = None, object_ap_id: str | None = None,
                          send_at: datetime | None = None) -> int:
    """`enqueue` for (inbox, host) pairs already checked by `deliverable`."""
    repo = OutboxRepo(conn)
    now = fed.now()
    activity_id = await repo.add_activity(
        ap_id=activity["id"], type=activity["type"], actor=actor.ap_id, key_owner=actor.owner,
        body=vocab.dumps(activity).decode(), is_public=is_public, at=now, event_id=event_id,
        object_ap_id=object_ap_id,
    )
    await repo.add_deliveries(activity_id, targets, now, send_at)
    # The pool's claim waits for the write lock, so it sees these rows once we commit.
    fed.wake_delivery()
    return activity_id
