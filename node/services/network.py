"""The network view's use cases: ingest the territories, debates and proposals peers announce,
and read the network (local and remote proposals together).

Federation calls the ingestion use cases with data it has already verified (signature,
ownership) and parsed (no JSON here); they still treat every field as untrusted: each is
validated and bounded (node/network_validation.py) before anything is written, and a refusal
raises a node.errors exception before any write. Ingestion appends no domain event on purpose:
the event log is this territory's own history (the source of fan-out, the transparency log and
open data), and re-announcing what a peer told us would echo its content back into the network.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..model import Page
from ..network import (
    MAX_DEBATES_PER_TERRITORY,
    MAX_PROPOSALS_PER_TERRITORY,
    MAX_TERRITORIES,
    IngestResult,
    Ingested,
    NetworkDebate,
    NetworkItem,
    NetworkQuery,
    NetworkReader,
    NetworkTx,
    RemoteDebate,
    RemoteDebateInfo,
    RemoteProposalInfo,
    RemoteTerritory,
    TerritoryInfo,
    TerritorySummary,
)
from ..network_validation import (
    check_moment,
    check_same_origin,
    check_url,
    hashtags_in,
    validate_debate,
    validate_proposal,
    validate_territory,
)
from ..origins import host_of
from ..ports import Clock


async def upsert_territory(tx: NetworkTx, clock: Clock, info: TerritoryInfo) -> RemoteTerritory:
    """Record a THC node (its Application actor and NodeInfo figures), or refresh it."""
    clean, host = validate_territory(info)
    now = clock.now()
    known = await tx.network.find_territory(clean.ap_id)
    if known is not None:
        return await tx.network.update_territory(known.id, clean, host, now)
    if await tx.network.count_territories() >= MAX_TERRITORIES:
        raise Conflict(f"this node already keeps {MAX_TERRITORIES} territories")
    return await tx.network.add_territory(clean, host, now)


async def _territory(tx: NetworkTx, territory_ap_id: str) -> RemoteTerritory:
    territory = await tx.network.find_territory(territory_ap_id)
    if territory is None:
        raise NotFound("unknown territory: record it first (upsert_territory)")
    return territory


async def upsert_remote_debate(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, info: RemoteDebateInfo
) -> RemoteDebate:
    """Record a remote debate (its Group actor) of a known territory, or refresh it."""
    territory = await _territory(tx, territory_ap_id)
    clean = validate_debate(info, territory)
    now = clock.now()
    known = await tx.network.find_debate(clean.ap_id)
    if known is not None:
        if known.territory_id != territory.id:
            raise Forbidden("this debate belongs to another territory")
        return await tx.network.update_debate(known.id, clean, now)
    if await tx.network.count_debates(territory.id) >= MAX_DEBATES_PER_TERRITORY:
        raise Conflict(f"this territory already has {MAX_DEBATES_PER_TERRITORY} debates here")
    return await tx.network.add_debate(territory.id, clean, now)


async def upsert_remote_proposal(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, info: RemoteProposalInfo,
    *, created: bool = False,
) -> IngestResult:
    """Insert a remote proposal, or update it only if its `updated_at` is newer (or only its
    tally if `tallied_at` is newer). A tombstoned proposal stays deleted (a late or replayed
    update is not a return), unless its territory creates it again (`created`: a Create,
    as when moderation shows it again) with an `updated_at` newer than the deletion."""
    territory = await _territory(tx, territory_ap_id)
    now = clock.now()
    clean = validate_proposal(info, territory, now)
    # At this point every field is bounded and on the territory's own origin.
    debate = await tx.network.find_debate(clean.debate_ap_id)
    if debate is None:
        raise NotFound("unknown debate: record it first (upsert_remote_debate)")
    if debate.territory_id != territory.id:
        raise Forbidden("this debate belongs to another territory")
    tallied_at = clean.tallied_at or now
    known = await tx.network.find_proposal(clean.ap_id)
    if known is None:
        if await tx.network.count_proposals(territory.id) >= MAX_PROPOSALS_PER_TERRITORY:
            raise Conflict(
                f"this territory already has {MAX_PROPOSALS_PER_TERRITORY} proposals here")
        proposal = await tx.network.add_proposal(territory.id, debate.id, clean, tallied_at, now)
        return IngestResult(Ingested.CREATED, proposal)
    if known.territory_id != territory.id:
        raise Forbidden("this proposal belongs to another territory")
    if known.deleted_at is not None:
        if not (created and clean.updated_at > known.deleted_at):
            return IngestResult(Ingested.DELETED, known)
        # Created again after its deletion (both times are the territory's own clock).
        return IngestResult(Ingested.UPDATED, await tx.network.update_proposal(
            known.id, debate.id, clean, tallied_at, now))
    if clean.updated_at > known.updated_at:
        proposal = await tx.network.update_proposal(
            known.id, debate.id, clean, max(tallied_at, known.tallied_at), now)
        return IngestResult(Ingested.UPDATED, proposal)
    if tallied_at > known.tallied_at and clean.tally != known.tally:
        return IngestResult(Ingested.TALLIED,
                            await tx.network.update_tally(known.id, clean.tally, tallied_at))
    return IngestResult(Ingested.STALE, known)


async def tombstone_remote_proposal(
    tx: NetworkTx, clock: Clock, territory_ap_id: str, ap_id: str,
    deleted_at: datetime | None = None,
) -> IngestResult:
    """Delete a remote proposal's content, keeping its id as a tombstone; a Delete that
    arrives before its Create is recorded too, so the late Create is ignored."""
    territory = await _territory(tx, territory_ap_id)
    now = clock.now()
    ap_id = check_url(ap_id, "ap_id")
    check_same_origin(ap_id, territory.ap_id, "the proposal's id")
    when = now if deleted_at is None else check_moment(deleted_at, "deleted_at", now)
    known = await tx.network.find_proposal(ap_id)
    if known is None:
        if await tx.network.count_proposals(territory.id) >= MAX_PROPOSALS_PER_TERRITORY:
            raise Conflict(
                f"this territory already has {MAX_PROPOSALS_PER_TERRITORY} proposals here")
        return IngestResult(Ingested.DELETED,
                            await tx.network.add_tombstone(territory.id, ap_id, when, now))
    if known.territory_id != territory.id:
        raise Forbidden("this proposal belongs to another territory")
    if known.deleted_at is not None:
        return IngestResult(Ingested.DELETED, known)
    if deleted_at is not None and known.updated_at > when:
        # Deleted before its last change, by the territory's own clock: this Delete came late
        # (the Create that showed it again overtook it).
        return IngestResult(Ingested.STALE, known)
    return IngestResult(Ingested.DELETED, await tx.network.tombstone(known.id, when))


# --- Read use cases --------------------------------------------------------------------------


async def search_network(
    reader: NetworkReader, query: NetworkQuery, *, after: str | None = None, limit: int = 20
) -> Page[NetworkItem]:
    """Local and remote proposals matching the query, newest or most voted first."""
    if not 1 <= limit <= 100:
        raise Invalid("limit must be between 1 and 100", field="limit")
    found = await reader.network.search(query, after=after, limit=limit)
    # Local proposals have no theme field: their themes are the hashtags written in them.
    items = tuple(
        replace(item, themes=hashtags_in(f"{item.title}\n{item.summary}")) if item.is_local
        else item
        for item in found.items
    )
    return Page(items, found.next_cursor)


async def list_territories(
    reader: NetworkReader, *, local_name: str, local_base_url: str
) -> tuple[TerritorySummary, ...]:
    """This node first, then the territories it knows, by name."""
    members, debates, proposals = await reader.network.local_figures()
    local = TerritorySummary(
        id=None, name=local_name, host=host_of(local_base_url), base_url=local_base_url,
        users=members, proposals=proposals, known_debates=debates, known_proposals=proposals,
        last_seen_at=None,
    )
    return (local, *await reader.network.list_territories())


async def list_network_debates(
    reader: NetworkReader, query: NetworkQuery, *, limit: int = 50
) -> tuple[NetworkDebate, ...]:
    """The debates of the territory a query is narrowed to (none when it is not)."""
    if not query.local_only and query.territory_id is None:
        return ()
    return await reader.network.list_debates(
        local=query.local_only, territory_id=query.territory_id, limit=limit)


async def list_themes(reader: NetworkReader, *, limit: int = 20) -> tuple[tuple[str, int], ...]:
    """The most used themes of remote proposals, with how many carry each."""
    return await reader.network.list_themes(limit)
