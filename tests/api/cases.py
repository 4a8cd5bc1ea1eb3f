"""One successful request per API operation, on the world of world.py.

The generic tests (test_endpoints.py) derive the bad requests from these: without a token,
with unknown ids, without each required field, with a wrong type or oversized text in each
field. A test checks that the two tables name every operation of web.api.ENDPOINTS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .world import World

UNKNOWN_ID = 999_999
SLUGS = ("voirie", "budget", "ecoles", "brouillon")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # placeholders: world ids ({proposal}) and slugs ({voirie})
    as_: str | None
    body: dict[str, Any] | Callable[[World], dict[str, Any]] | None = None
    status: int = 200
    # For operations whose target is named in the body rather than in the path.
    unknown_body: Callable[[World], dict[str, Any]] | None = None

    def url(self, world: World, *, unknown: bool = False) -> str:
        values: dict[str, Any] = dict(world.ids)
        values.update({slug: slug for slug in SLUGS})
        if unknown:
            values = {k: ("inconnu" if k in SLUGS else UNKNOWN_ID) for k in values}
        return self.path.format(**values)

    def payload(self, world: World) -> dict[str, Any] | None:
        return self.body(world) if callable(self.body) else self.body

    @property
    def names_something(self) -> bool:
        return "{" in self.path or self.unknown_body is not None


PROPOSAL = {
    "title": "Des arceaux à vélo devant la mairie",
    "body": "Installer **vingt** arceaux.",
    "articles": [{"number": 1, "title": "Objet", "text": "Vingt arceaux devant la mairie."}],
    "sources": [{"url": "https://example.org/arceaux", "title": "Devis"}],
}
EDITED_PROPOSAL = {
    "title": "Une piste cyclable rue Victor Hugo",
    "body": "Sécuriser le trajet des écoliers, de la gare au collège.",
    "articles": [{"number": 1, "title": "Objet",
                  "text": "La rue Victor Hugo reçoit une piste cyclable."}],
}

WRITE_CASES: dict[str, Case] = {
    "create_debate": Case("POST", "/debates", "ada", {
        "slug": "parcs", "title": "Nos parcs", "description": "Les espaces verts.",
        "opens_at": "2026-12-01T08:00:00Z", "closes_at": "2027-03-01T18:00:00+01:00",
        "support_threshold": 50, "answer_delay_days": 30, "has_public_votes": True,
        "threshold_classes": ["verified_resident"]}, 201),
    "change_debate_status": Case("POST", "/debates/{brouillon}/status", "ada",
                                 {"status": "open"}),
    "submit_proposal": Case("POST", "/debates/{voirie}/proposals", "bruno", PROPOSAL, 201),
    "edit_proposal": Case("PUT", "/proposals/{proposal}", "anne", EDITED_PROPOSAL),
    "post_argument": Case("POST", "/proposals/{proposal}/arguments", "carla",
                          {"stance": "against", "body": "Cela coûtera trop cher."}, 201),
    "edit_argument": Case("PATCH", "/arguments/{argument}", "bruno",
                          {"body": "Les enfants viendraient enfin à vélo, en sécurité."}),
    "withdraw_argument": Case("POST", "/arguments/{argument}/withdraw", "bruno"),
    "mark_argument_useful": Case("PUT", "/arguments/{argument}/useful", "carla"),
    "unmark_argument_useful": Case("DELETE", "/arguments/{argument}/useful", "anne"),
    "propose_amendment": Case("POST", "/proposals/{proposal}/amendments", "carla", {
        "text": "Sécuriser le trajet des écoliers et des cyclistes.",
        "rationale": "Les adultes aussi roulent ici."}, 201),
    "vote_on_amendment": Case("PUT", "/amendments/{amendment}/vote", "anne", {"choice": "for"}),
    "integrate_amendment": Case("POST", "/amendments/{amendment}/integrate", "anne"),
    "reject_amendment": Case("POST", "/amendments/{amendment}/reject", "anne",
                             {"reason": "Hors du périmètre."}),
    "withdraw_amendment": Case("POST", "/amendments/{amendment}/withdraw", "bruno"),
    "cast_vote": Case("PUT", "/proposals/{proposal}/vote", "bruno", {"choice": "mixed"}),
    "withdraw_vote": Case("DELETE", "/proposals/{proposal}/vote", "carla", status=204),
    "answer_proposal": Case("POST", "/proposals/{proposal}/answers", "rita", {
        "kind": "adopted", "text": "Adoptée : les travaux commencent au printemps."}, 201),
    "moderate": Case(
        "POST", "/moderation-actions", "modo",
        lambda w: {"action": "hide", "target_kind": "argument", "target_id": w.argument,
                   "reason": "Propos hors sujet."}, 201,
        unknown_body=lambda w: {"action": "hide", "target_kind": "argument",
                                "target_id": UNKNOWN_ID, "reason": "Propos hors sujet."}),
}

READ_CASES: dict[str, Case] = {
    "get_openapi_document": Case("GET", "/openapi.json", None),
    "get_me": Case("GET", "/me", "anne"),
    "list_debates": Case("GET", "/debates", None),
    "get_debate": Case("GET", "/debates/{voirie}", None),
    "list_moderation_actions": Case("GET", "/debates/{voirie}/moderation-actions", None),
    "list_proposals": Case("GET", "/debates/{voirie}/proposals", None),
    "get_proposal": Case("GET", "/proposals/{proposal}", None),
    "list_versions": Case("GET", "/proposals/{proposal}/versions", None),
    "get_version": Case("GET", "/proposals/{proposal}/versions/1", None),
    "list_history": Case("GET", "/proposals/{proposal}/history", None),
    "list_arguments": Case("GET", "/proposals/{proposal}/arguments", None),
    "list_arguments_side_by_side": Case("GET", "/proposals/{proposal}/arguments/side-by-side",
                                        None),
    "list_amendments": Case("GET", "/proposals/{proposal}/amendments", None),
    "get_own_vote": Case("GET", "/proposals/{proposal}/vote", "carla"),
    "list_votes": Case("GET", "/proposals/{public_proposal}/votes", None),
    "list_answers": Case("GET", "/proposals/{proposal}/answers", None),
}
