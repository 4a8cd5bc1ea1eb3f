"""Our actors, activities and collections rendered as AS2 documents."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.model import Debate, Member, Role

from .core import AS_CONTEXT, iso, ld_context, without_context
from .inbound import Follow, Response

@dataclass(frozen=True, slots=True)
class ActorLinks:
    """The URLs and keys every local actor document carries."""

    id: str
    inbox: str
    outbox: str
    followers: str
    following: str
    shared_inbox: str
    context: str  # our vocabulary's context URL
    url: str  # the HTML page
    rsa_public_pem: str
    ed25519_multibase: str
    main_key_id: str
    ed25519_key_id: str


def _actor_base(kind: str, links: ActorLinks, username: str, name: str, summary: str,
                published: datetime | None, manually_approves: bool) -> dict:
    doc: dict[str, Any] = {
        "@context": ld_context(links.context),
        "id": links.id,
        "type": kind,
        "preferredUsername": username,
        "name": name,
        "summary": summary,
        "url": links.url,
        "inbox": links.inbox,
        "outbox": links.outbox,
        "followers": links.followers,
        "following": links.following,
        "endpoints": {"sharedInbox": links.shared_inbox},
        "manuallyApprovesFollowers": manually_approves,
        "discoverable": True,
        "publicKey": {"id": links.main_key_id, "owner": links.id,
                      "publicKeyPem": links.rsa_public_pem},
        # FEP-521a: the Ed25519 key for FEP-8b32 object proofs to come.
        "assertionMethod": [{"id": links.ed25519_key_id, "type": "Multikey",
                             "controller": links.id,
                             "publicKeyMultibase": links.ed25519_multibase}],
    }
    if published is not None:
        doc["published"] = iso(published)
    return doc


def _paragraph(text: str, limit: int = 500) -> str:
    """Plain text as one escaped HTML paragraph (markdown is rendered only by web/render.py)."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"<p>{html.escape(text)}</p>" if text else ""


def to_ap_application(links: ActorLinks, *, host: str, name: str,
                      manually_approves: bool) -> dict:
    """The node itself (FEP-2677 Application actor; fetchable without a signature)."""
    return _actor_base("Application", links, host, name, _paragraph(name), None, manually_approves)


def to_ap_group(debate: Debate, links: ActorLinks, moderators: str) -> dict:
    """A debate as a FEP-1b12 Group; attributedTo names its moderators collection."""
    doc = _actor_base("Group", links, debate.slug, debate.title,
                      _paragraph(debate.description), debate.created_at, False)
    doc["attributedTo"] = moderators
    doc["status"] = debate.status.value  # open, closed, concluded: what an Update(Group) tells
    # STYLE.md: THC peers get the markdown source and render it themselves.
    doc["source"] = {"content": debate.description, "mediaType": "text/markdown"}
    return doc


def to_ap_person(member: Member, links: ActorLinks) -> dict:
    """A member; a representative carries their mandate (a profile field Mastodon shows)."""
    doc = _actor_base("Person", links, member.username, member.display_name,
                      _paragraph(member.mandate), member.created_at, False)
    doc["role"] = member.role.value
    if member.role is Role.REPRESENTATIVE and member.mandate:
        doc["mandate"] = member.mandate
        doc["attachment"] = [{"type": "PropertyValue", "name": "Mandat",
                              "value": html.escape(member.mandate)}]
    return doc


def to_ap_follow(follow: Follow) -> dict:
    return {"@context": AS_CONTEXT, "id": follow.id, "type": "Follow", "actor": follow.actor,
            "object": follow.object}


def _embedded_follow(follow: Follow) -> dict:
    return {"id": follow.id, "type": "Follow", "actor": follow.actor, "object": follow.object}


def to_ap_response(response: Response) -> dict:
    """Accept / Reject / Undo of a Follow, echoing the Follow with its id (Mastodon accept.rb)."""
    if response.follow is None:
        raise ValueError("only responses to a Follow are rendered")
    to = response.follow.object if response.type == "Undo" else response.follow.actor
    return {"@context": AS_CONTEXT, "id": response.id, "type": response.type,
            "actor": response.actor, "object": _embedded_follow(response.follow), "to": [to]}


def to_ap_update(activity_id: str, actor: str, document: dict, *, to: list[str],
                 cc: list[str], published: datetime) -> dict:
    """Update carrying the object's whole current document (Mastodon's Update(Person) too)."""
    return {"@context": document.get("@context", AS_CONTEXT), "id": activity_id,
            "type": "Update", "actor": actor, "object": without_context(document),
            "to": to, "cc": cc, "published": iso(published)}


def to_ap_announce(activity_id: str, actor: str, object_id: str, *, to: list[str],
                   cc: list[str], published: datetime) -> dict:
    """Announce of an object by id: receivers fetch it from its origin (nothing to trust)."""
    return {"@context": AS_CONTEXT, "id": activity_id, "type": "Announce", "actor": actor,
            "object": object_id, "to": to, "cc": cc, "published": iso(published)}


def to_ap_ordered_collection(collection_id: str, total: int, first: str) -> dict:
    # Mastodon reads totalItems and walks `first`; pages keep documents far under 1 MiB.
    return {"@context": AS_CONTEXT, "id": collection_id, "type": "OrderedCollection",
            "totalItems": total, "first": first}


def to_ap_collection_page(page_id: str, part_of: str, items: list, next_page: str | None,
                          total: int | None = None) -> dict:
    doc: dict[str, Any] = {"@context": AS_CONTEXT, "id": page_id, "type": "OrderedCollectionPage",
                           "partOf": part_of, "orderedItems": items}
    if total is not None:
        doc["totalItems"] = total
    if next_page is not None:
        doc["next"] = next_page
    return doc
