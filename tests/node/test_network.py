"""The network view's use cases (node/services/network.py) on a real SQLite database: ingestion of
remote territories, debates and proposals (newer only, tombstones, caps, hostile input) and
the search over local and remote proposals."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from node import network_search, network_validation, services
from node.errors import Conflict, Forbidden, Invalid, NotFound
from node.model import (
    AnswerKind,
    ChoiceCounts,
    ContentKind,
    DebateStatus,
    ProposalStatus,
    Tally,
    VoteChoice,
)
from node.network import (
    Ingested,
    NetworkOrder,
    NetworkQuery,
    RemoteDebateInfo,
    RemoteProposalInfo,
    TerritoryInfo,
)
from node.services import network as network_use_cases

from .builders import OP, a_draft, a_member, a_proposal, an_open_debate, run, snapshot

BETA = "http://beta.test/actor"
BETA_DEBATE = "http://beta.test/debats/mobilite"


def beta_info(**changes) -> TerritoryInfo:
    return replace(TerritoryInfo(BETA, "http://beta.test", "Territoire Beta", "Une commune.",
                                 users=12, proposals=3), **changes)


def a_remote(clock, n: int = 1, **changes) -> RemoteProposalInfo:
    at = clock.now() - timedelta(days=10) + timedelta(hours=n)
    info = RemoteProposalInfo(
        ap_id=f"http://beta.test/propositions/{n}", debate_ap_id=BETA_DEBATE,
        title=f"Une rue aux écoles numéro {n}", published_at=at, updated_at=at,
        summary="Fermer la rue devant l'école aux heures d'entrée.",
        body="## Pourquoi\nLes enfants vont à l'école à vélo.", status=ProposalStatus.SUBMITTED,
        tally=Tally(ChoiceCounts(4, 1, 0), ChoiceCounts(2, 0, 1), ChoiceCounts(0, 0, 3)),
        themes=("#Mobilité", "ecoles"),
    )
    return replace(info, **changes)


async def with_beta(db, clock, *, debate: bool = True):
    territory = await run(db, services.upsert_territory, clock, beta_info())
    if debate:
        await run(db, services.upsert_remote_debate, clock, BETA,
                  RemoteDebateInfo(BETA_DEBATE, "mobilite", "Mobilité douce"))
    return territory


async def ingest(db, clock, info, territory=BETA):
    return await run(db, services.upsert_remote_proposal, clock, territory, info)


async def search(db, **filters):
    after = filters.pop("after", None)
    limit = filters.pop("limit", 20)
    query, invalid = network_search.parse_network_query(**filters)
    assert not invalid
    return await services.search_network(db.read(), query, after=after, limit=limit)


async def titles(db, **filters) -> list[str]:
    return [item.title for item in (await search(db, **filters)).items]


# --- Territories and debates -----------------------------------------------------------------


async def test_territory_is_recorded_then_refreshed_with_its_nodeinfo_figures(db, clock):
    # Given a territory seen once
    first = await run(db, services.upsert_territory, clock, beta_info())
    # When it is seen again later with new figures, one of them unknown this time
    clock.advance(hours=2)
    again = await run(db, services.upsert_territory, clock,
                      beta_info(name="Beta-sur-Mer", users=15, proposals=None))
    # Then it is the same row, refreshed; an unknown figure keeps its last value
    assert again.id == first.id
    assert (again.name, again.users, again.proposals) == ("Beta-sur-Mer", 15, 3)
    assert again.host == "beta.test" and again.base_url == "http://beta.test"
    assert again.first_seen_at == first.first_seen_at
    assert again.last_seen_at == clock.now()


async def test_territory_base_url_must_be_its_actors_origin(db, clock):
    # When / Then
    with pytest.raises(Invalid):
        await run(db, services.upsert_territory, clock, beta_info(base_url="http://mallory.test"))


async def test_debate_is_recorded_then_refreshed(db, clock):
    # Given
    await with_beta(db, clock)
    # When the debate closes
    debate = await run(db, services.upsert_remote_debate, clock, BETA,
                       RemoteDebateInfo(BETA_DEBATE, "mobilite", "Mobilité douce", "closed"))
    # Then
    assert debate.status is DebateStatus.CLOSED and debate.url == BETA_DEBATE
    assert await db.read().network.count_debates(debate.territory_id) == 1


async def test_debate_of_an_unknown_territory_is_not_found(db, clock):
    with pytest.raises(NotFound):
        await run(db, services.upsert_remote_debate, clock, BETA,
                  RemoteDebateInfo(BETA_DEBATE, "mobilite", "Mobilité"))


async def test_debate_on_another_origin_is_forbidden(db, clock):
    # Given
    await with_beta(db, clock, debate=False)
    # When beta speaks for a debate hosted elsewhere
    with pytest.raises(Forbidden):
        await run(db, services.upsert_remote_debate, clock, BETA,
                  RemoteDebateInfo("http://alpha.test/debats/voirie", "voirie", "Voirie"))


# --- Proposals: insert, newer only, tally, tombstones ------------------------------------------


async def test_remote_proposal_is_stored_as_received(db, clock):
    # Given
    await with_beta(db, clock)
    # When
    result = await ingest(db, clock, a_remote(clock))
    # Then
    proposal = result.proposal
    assert result.outcome is Ingested.CREATED
    assert proposal.title == "Une rue aux écoles numéro 1"
    assert proposal.themes == ("mobilité", "ecoles")
    assert proposal.tally.verified_residents == ChoiceCounts(4, 1, 0)
    assert proposal.tally.all.total == 11
    assert proposal.url == proposal.ap_id  # no page given: the id is the link
    assert proposal.tallied_at == clock.now()


async def test_remote_proposal_is_updated_only_when_newer(db, clock):
    # Given a stored proposal
    await with_beta(db, clock)
    first = a_remote(clock)
    await ingest(db, clock, first)
    # When an older and an equal-time version arrive (replays, reordering)
    older = await ingest(db, clock, replace(first, title="Ancien titre",
                                            updated_at=first.updated_at - timedelta(minutes=1),
                                            published_at=first.updated_at - timedelta(hours=1)))
    same = await ingest(db, clock, replace(first, title="Même heure"))
    # Then nothing changes
    assert older.outcome is Ingested.STALE and same.outcome is Ingested.STALE
    assert (await db.read().network.find_proposal(first.ap_id)).title == first.title
    # When a newer version arrives, answered
    newer = await ingest(db, clock, replace(
        first, title="Une rue aux écoles, version 2",
        updated_at=first.updated_at + timedelta(days=1),
        status="answered", answer_kind="adopted", answered_at=first.updated_at + timedelta(days=1),
        themes=("velo",)))
    # Then it replaces the content, themes included
    assert newer.outcome is Ingested.UPDATED
    stored = await db.read().network.find_proposal(first.ap_id)
    assert stored.title == "Une rue aux écoles, version 2"
    assert stored.status is ProposalStatus.ANSWERED and stored.answer_kind is AnswerKind.ADOPTED
    assert stored.themes == ("velo",)
    assert await titles(db, theme="ecoles") == []
    assert await titles(db, theme="velo") == ["Une rue aux écoles, version 2"]


async def test_tally_alone_is_updated_when_counted_later_without_a_newer_update(db, clock):
    # Given (Update(Question) carries new totals without a newer `updated`: issue 5)
    await with_beta(db, clock)
    first = a_remote(clock)
    await ingest(db, clock, first)
    # When new totals arrive later
    clock.advance(minutes=1)
    tallied = await ingest(db, clock, replace(first, title="ignored",
                                              tally=Tally(remote=ChoiceCounts(50, 0, 0))))
    # And older totals arrive after them
    stale = await ingest(db, clock, replace(first, tally=Tally(),
                                            tallied_at=clock.now() - timedelta(minutes=5)))
    # Then only the newer tally is kept, the content untouched
    assert tallied.outcome is Ingested.TALLIED and stale.outcome is Ingested.STALE
    stored = await db.read().network.find_proposal(first.ap_id)
    assert stored.tally == Tally(remote=ChoiceCounts(50, 0, 0))
    assert stored.title == first.title


async def test_tombstone_blanks_the_content_and_no_update_brings_it_back(db, clock):
    # Given
    await with_beta(db, clock)
    info = a_remote(clock)
    await ingest(db, clock, info)
    # When the origin deletes it, then an update arrives late
    deleted = await run(db, services.tombstone_remote_proposal, clock, BETA, info.ap_id)
    late = await ingest(db, clock, replace(info, updated_at=clock.now(), title="Revenant"))
    again = await run(db, services.tombstone_remote_proposal, clock, BETA, info.ap_id)
    # Then the row stays a tombstone, out of lists and search
    assert deleted.outcome is Ingested.DELETED and late.outcome is Ingested.DELETED
    assert again.outcome is Ingested.DELETED
    stored = await db.read().network.find_proposal(info.ap_id)
    assert stored.deleted_at == clock.now()
    assert (stored.title, stored.summary, stored.body, stored.themes) == ("", "", "", ())
    assert await titles(db) == [] and await titles(db, q="écoles") == []
    assert await db.read().network.list_themes(10) == ()


async def test_delete_arriving_before_its_create_is_kept_and_the_create_ignored(db, clock):
    # Given
    await with_beta(db, clock)
    info = a_remote(clock)
    # When
    await run(db, services.tombstone_remote_proposal, clock, BETA, info.ap_id)
    late = await ingest(db, clock, info)
    # Then
    assert late.outcome is Ingested.DELETED
    assert await titles(db) == []


async def test_a_tombstone_comes_back_only_when_created_again_after_its_deletion(db, clock):
    # Given a proposal its territory deleted
    await with_beta(db, clock)
    info = a_remote(clock)
    await ingest(db, clock, info)
    clock.advance(minutes=1)
    deleted_at = clock.now()
    await run(db, services.tombstone_remote_proposal, clock, BETA, info.ap_id,
              deleted_at=deleted_at)
    clock.advance(minutes=1)
    # When its original Create arrives again (replayed: older than the deletion)
    replayed = await run(db, services.upsert_remote_proposal, clock, BETA, info, created=True)
    # Then it stays deleted
    assert replayed.outcome is Ingested.DELETED and await titles(db) == []
    # When the territory creates it again, after the deletion by its own clock
    shown = replace(info, updated_at=deleted_at + timedelta(seconds=30))
    restored = await run(db, services.upsert_remote_proposal, clock, BETA, shown, created=True)
    # Then it is back with its content, and a Delete older than that change is stale
    assert restored.outcome is Ingested.UPDATED and await titles(db) == [info.title]
    stale = await run(db, services.tombstone_remote_proposal, clock, BETA, info.ap_id,
                      deleted_at=deleted_at)
    assert stale.outcome is Ingested.STALE and await titles(db) == [info.title]


async def test_proposal_needs_a_known_territory_and_debate(db, clock):
    # Given nothing known
    with pytest.raises(NotFound):
        await ingest(db, clock, a_remote(clock))
    # Given the territory but not the debate
    await with_beta(db, clock, debate=False)
    with pytest.raises(NotFound):
        await ingest(db, clock, a_remote(clock))


@pytest.mark.parametrize("field", ["ap_id", "debate_ap_id", "url"])
async def test_proposal_speaking_for_another_origin_is_forbidden(db, clock, field):
    # Given
    await with_beta(db, clock)
    # When beta sends ids or links on mallory's host
    with pytest.raises(Forbidden):
        await ingest(db, clock, a_remote(clock, **{field: "http://mallory.test/propositions/1"}))


async def test_a_territory_cannot_touch_another_territorys_proposal(db, clock):
    # Given two territories on one origin (two Application actors), and a proposal of the first
    await with_beta(db, clock)
    other = "http://beta.test/actor-bis"
    await run(db, services.upsert_territory, clock, beta_info(ap_id=other, name="Bis"))
    info = a_remote(clock)
    await ingest(db, clock, info)
    # When the second updates or deletes it
    with pytest.raises(Forbidden):
        await ingest(db, clock, replace(info, updated_at=clock.now()), territory=other)
    with pytest.raises(Forbidden):
        await run(db, services.tombstone_remote_proposal, clock, other, info.ap_id)


# --- Bounds and hostile input ------------------------------------------------------------------

FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)

HOSTILE = {
    "title too long": {"title": "x" * 201},
    "empty title": {"title": " \n\t "},
    "title not text": {"title": 42},
    "summary too long": {"summary": "x" * 2001},
    "body too long": {"body": "x" * 20_001},
    "huge body": {"body": "x" * 10_000_000},
    "javascript url": {"url": "javascript:alert(1)"},
    "url with credentials": {"url": "http://user:pass@beta.test/p/1"},
    "url with spaces": {"url": "http://beta.test/p/ 1"},
    "url too long": {"url": "http://beta.test/" + "p" * 2000},
    "relative id": {"ap_id": "/propositions/1"},
    "too many themes": {"themes": tuple(f"t{i}" for i in range(21))},
    "theme with space": {"themes": ("deux mots",)},
    "theme with markup": {"themes": ("<b>",)},
    "themes not a list": {"themes": "velo"},
    "negative count": {"tally": Tally(ChoiceCounts(-1, 0, 0))},
    "huge count": {"tally": Tally(ChoiceCounts(10**12, 0, 0))},
    "boolean count": {"tally": Tally(ChoiceCounts(True, 0, 0))},
    "tally not a tally": {"tally": {"for": 3}},
    "unknown status": {"status": "hacked"},
    "unknown answer": {"answer_kind": "maybe",
                       "answered_at": datetime(2026, 1, 1, tzinfo=timezone.utc)},
    "answer without time": {"answer_kind": "adopted"},
    "naive time": {"updated_at": datetime(2026, 1, 1)},
    "updated in the far future": {"updated_at": FAR_FUTURE},
    "updated before published": {"updated_at": datetime(2001, 1, 1, tzinfo=timezone.utc)},
    "published before 2000": {"published_at": datetime(1990, 1, 1, tzinfo=timezone.utc)},
    "time not a time": {"published_at": "2026-01-01"},
}


@pytest.mark.parametrize("changes", HOSTILE.values(), ids=HOSTILE.keys())
async def test_oversized_or_hostile_proposal_is_refused_and_writes_nothing(db, clock, changes):
    # Given
    await with_beta(db, clock)
    before = await snapshot(db)
    # When / Then
    with pytest.raises((Invalid, Forbidden)):
        await ingest(db, clock, a_remote(clock, **changes))
    assert await snapshot(db) == before


@pytest.mark.parametrize("changes", [
    {"name": ""}, {"name": "x" * 201}, {"users": -3}, {"proposals": 10**10},
    {"users": "12"}, {"ap_id": "ftp://beta.test/actor"}, {"summary": "x" * 2001},
], ids=str)
async def test_hostile_territory_is_refused(db, clock, changes):
    with pytest.raises(Invalid):
        await run(db, services.upsert_territory, clock, beta_info(**changes))
    assert await db.read().network.count_territories() == 0


async def test_control_bidi_and_surrogate_characters_are_dropped(db, clock):
    # Given
    await with_beta(db, clock)
    # When a title hides a NUL, a right-to-left override, a lone surrogate and newlines
    result = await ingest(db, clock, a_remote(
        clock, title="Vé\x00lo\u202e \ud800pour\n\ntous", body="ligne 1\r\nligne\x07 2"))
    # Then they are gone, the text kept (titles on one line)
    assert result.proposal.title == "Vélo pour tous"
    assert result.proposal.body == "ligne 1\nligne 2"


async def test_caps_refuse_more_territories_debates_and_proposals(db, clock, monkeypatch):
    # Given small caps
    monkeypatch.setattr(network_use_cases, "MAX_TERRITORIES", 1)
    monkeypatch.setattr(network_use_cases, "MAX_DEBATES_PER_TERRITORY", 1)
    monkeypatch.setattr(network_use_cases, "MAX_PROPOSALS_PER_TERRITORY", 2)
    await with_beta(db, clock)
    await ingest(db, clock, a_remote(clock, 1))
    await ingest(db, clock, a_remote(clock, 2))
    # When one more of each arrives
    with pytest.raises(Conflict):
        await run(db, services.upsert_territory, clock,
                  beta_info(ap_id="http://gamma.test/actor", base_url="http://gamma.test"))
    with pytest.raises(Conflict):
        await run(db, services.upsert_remote_debate, clock, BETA,
                  RemoteDebateInfo("http://beta.test/debats/autre", "autre", "Autre"))
    with pytest.raises(Conflict):
        await ingest(db, clock, a_remote(clock, 3))
    with pytest.raises(Conflict):
        await run(db, services.tombstone_remote_proposal, clock, BETA,
                  "http://beta.test/propositions/99")
    # Then updates of what is known still pass
    updated = await ingest(db, clock, replace(a_remote(clock, 1), updated_at=clock.now()))
    assert updated.outcome is Ingested.UPDATED
    assert (await run(db, services.upsert_territory, clock, beta_info())).name == "Territoire Beta"


# --- Search --------------------------------------------------------------------------------------


async def local_and_remote(db, clock):
    """A local proposal and two remote ones with accents in different places."""
    alice = await a_member(db, clock, "alice")
    await an_open_debate(db, clock, "voirie")
    local = await a_proposal(db, clock, alice, "voirie", a_draft(
        "Piétonniser la rue des écoles", "Pour le #vélo et les enfants. #Mobilité"))
    await with_beta(db, clock)
    await ingest(db, clock, a_remote(clock, 1, title="Un garage a velo", summary="Ecole",
                                     body="Des arceaux.", themes=("velo",)))
    await ingest(db, clock, a_remote(clock, 2, title="Éclairage public", summary="La nuit.",
                                     body="Des lampadaires.", themes=("eclairage",),
                                     tally=Tally()))
    return local


@pytest.mark.parametrize(("typed", "expected"), [
    ("écoles", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("ecole", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("ÉCOLE", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("velo", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("vélo", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("vélos", {"Piétonniser la rue des écoles", "Un garage a velo"}),
    ("pieton", {"Piétonniser la rue des écoles"}),
    ("piéton", {"Piétonniser la rue des écoles"}),
    ("eclairage", {"Éclairage public"}),
    ("lampadaire", {"Éclairage public"}),
    ("la rue des écoles", {"Piétonniser la rue des écoles"}),
    ("velo arceaux", {"Un garage a velo"}),
    ("inexistant", set()),
])
async def test_search_folds_accents_and_matches_prefixes(db, clock, typed, expected):
    # Given
    await local_and_remote(db, clock)
    # When / Then
    assert set(await titles(db, q=typed)) == expected


HOSTILE_QUERIES = [
    '"', '""', "'", "AND(", "OR", "NOT", "NEAR(a b, 2)", "*", "^velo", "title:velo", "velo*",
    "-velo", "+velo", "(", ")", "{velo}", "[", "velo AND", ":", "\x00", "\ud800", "😀 velo",
    "²³", "_", "a" * 5000, "é" * 300, "' OR 1=1 --", "velo\" OR \"x", "%", "\\", "ǅ", "٣",
    "ﬁ", "ß", "İstanbul",
]


@pytest.mark.parametrize("typed", HOSTILE_QUERIES)
async def test_fts_syntax_typed_by_a_person_never_fails(db, clock, typed):
    # Given
    await local_and_remote(db, clock)
    # When / Then: no exception, whatever the text
    await search(db, q=typed)
    await search(db, q=typed, order="participation", theme="velo")


async def test_search_follows_local_edits_through_the_triggers(db, clock):
    # Given
    local = await local_and_remote(db, clock)
    alice = await db.read().members.find_by_username("alice")
    # When the author edits the proposal
    await run(db, services.edit_proposal, clock, alice, local.id,
              a_draft("Une zone de rencontre", "Priorité aux piétons."))
    # Then the old words no longer find it, the new ones do
    assert "Une zone de rencontre" not in await titles(db, q="écoles")
    assert await titles(db, q="rencontre") == ["Une zone de rencontre"]


async def test_hidden_local_proposals_stay_out(db, clock):
    # Given
    local = await local_and_remote(db, clock)
    # When a moderator hides the local proposal
    await run(db, services.hide_content, clock, OP, ContentKind.PROPOSAL, local.id, "Hors sujet")
    # Then it is neither listed nor found
    assert await titles(db, q="pieton") == []
    assert "Piétonniser la rue des écoles" not in await titles(db)


async def test_filters_by_territory_status_theme_and_dates(db, clock):
    # Given
    await local_and_remote(db, clock)
    territory = await db.read().network.find_territory(BETA)
    # When / Then
    assert await titles(db, territory="local") == ["Piétonniser la rue des écoles"]
    assert set(await titles(db, territory=str(territory.id))) == {
        "Un garage a velo", "Éclairage public"}
    assert await titles(db, territory="999") == []
    assert await titles(db, status="answered") == []
    assert len(await titles(db, status="submitted")) == 3
    # Themes: hashtags of remote proposals, and hashtags written in local ones
    assert set(await titles(db, theme="#VELO")) == {"Un garage a velo"}
    assert set(await titles(db, theme="vélo")) == {"Piétonniser la rue des écoles"}
    assert await titles(db, theme="mobilité") == ["Piétonniser la rue des écoles"]
    # Dates: remote ones are 10 days old, the local one is today
    today = clock.now().date()
    assert await titles(db, since=today.isoformat()) == ["Piétonniser la rue des écoles"]
    assert set(await titles(db, until=(today - timedelta(days=1)).isoformat())) == {
        "Un garage a velo", "Éclairage public"}
    assert await titles(db, since=(today - timedelta(days=10)).isoformat(),
                        until=(today - timedelta(days=10)).isoformat(),
                        territory=str(territory.id)) == ["Éclairage public", "Un garage a velo"]


async def test_local_items_carry_their_hashtags_and_tallies(db, clock):
    # Given
    local = await local_and_remote(db, clock)
    bob = await a_member(db, clock, "bob", verified=True)
    await run(db, services.cast_vote, clock, bob, local.id, VoteChoice.FOR)
    # When
    (item,) = (await search(db, territory="local")).items
    # Then
    assert item.themes == ("vélo", "mobilité")
    assert item.tally.verified_residents == ChoiceCounts(1, 0, 0)
    assert item.total_votes == 1 and item.is_local and item.url is None


async def test_participation_order_puts_the_most_voted_first(db, clock):
    # Given: remote 1 has 11 votes, remote 2 none, the local one none
    await local_and_remote(db, clock)
    # When
    page = await search(db, order="participation")
    # Then
    assert [i.total_votes for i in page.items] == [11, 0, 0]
    assert page.items[0].title == "Un garage a velo"


@pytest.mark.parametrize("order", ["newest", "participation"])
async def test_pagination_walks_every_item_once_to_the_last_page(db, clock, order):
    # Given 23 remote proposals with tied vote counts and tied dates, and a local one
    await local_and_remote(db, clock)
    for n in range(3, 24):
        await ingest(db, clock, a_remote(clock, n % 5, ap_id=f"http://beta.test/p/{n}",
                                         title=f"Proposition {n}",
                                         tally=Tally(remote=ChoiceCounts(n % 3, 0, 0))))
    # When walking pages of 5
    seen, after, pages = [], None, 0
    while True:
        page = await search(db, order=order, limit=5, after=after)
        seen += [item.key for item in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor
    # Then every item came exactly once, in order, and the last page was reached
    assert len(seen) == len(set(seen)) == 24
    assert pages == 5
    everything = (await search(db, order=order, limit=100)).items
    assert seen == [item.key for item in everything]


async def test_malformed_cursor_is_invalid_input(db, clock):
    with pytest.raises(Invalid):
        await search(db, after="1.2.3")
    with pytest.raises(Invalid):
        await search(db, after="'; DROP TABLE--")


async def test_territories_list_this_node_first_with_its_figures(db, clock):
    # Given
    await local_and_remote(db, clock)
    # When
    local, beta = await services.list_territories(db.read(), local_name="Alpha",
                                                 local_base_url="http://alpha.test:8080")
    # Then
    assert (local.id, local.name, local.host) == (None, "Alpha", "alpha.test:8080")
    assert (local.users, local.known_debates, local.known_proposals) == (1, 1, 1)
    assert (beta.name, beta.users, beta.known_debates, beta.known_proposals) == (
        "Territoire Beta", 12, 1, 2)


async def test_debates_of_the_chosen_territory(db, clock):
    # Given
    await local_and_remote(db, clock)
    territory = await db.read().network.find_territory(BETA)
    # When
    local_query, _ = network_search.parse_network_query(territory="local")
    beta_query, _ = network_search.parse_network_query(territory=str(territory.id))
    everywhere, _ = network_search.parse_network_query()
    # Then
    (voirie,) = await services.list_network_debates(db.read(), local_query)
    (mobilite,) = await services.list_network_debates(db.read(), beta_query)
    assert (voirie.slug, voirie.proposal_count, voirie.url) == ("voirie", 1, None)
    assert (mobilite.title, mobilite.proposal_count, mobilite.url) == (
        "Mobilité douce", 2, BETA_DEBATE)
    assert await services.list_network_debates(db.read(), everywhere) == ()


# --- Pure parts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "terms"), [
    ("écoles", ("ecol",)),
    ("Piétonnes", ("pietonn",)),
    ("chevaux", ("cheva",)),
    ("vélo", ("velo",)),
    ("la rue et les écoles", ("rue", "ecol")),
    ('"AND( NEAR*', ("near",)),
    ("a" * 60, ()),
    ("un deux trois quatre cinq six sept huit neuf dix", (
        "deu", "troi", "quatr", "cinq", "six", "sept", "huit", "neuf")),
])
def test_search_terms_keep_only_folded_stemmed_words(typed, terms):
    assert network_search.search_terms(typed) == terms


def test_parse_network_query_names_the_invalid_filters():
    # When
    query, invalid = network_search.parse_network_query(
        territory="beta", status="hacked", since="hier", until="2026-13-40", theme="a b",
        order="random")
    # Then they are left out, and named
    assert invalid == {"territory", "status", "since", "until", "theme", "order"}
    assert query == NetworkQuery()


def test_parse_network_query_reads_valid_filters():
    query, invalid = network_search.parse_network_query(
        q="Vélo", territory="3", status="answered", since="2026-01-01", until="2026-02-01",
        theme="#Vélo", order="participation")
    assert not invalid
    assert query == NetworkQuery(
        terms=("velo",), territory_id=3, status=ProposalStatus.ANSWERED,
        since=date(2026, 1, 1), until=date(2026, 2, 1), theme="vélo",
        order=NetworkOrder.PARTICIPATION)


def test_an_end_date_before_the_start_is_left_out():
    query, invalid = network_search.parse_network_query(since="2026-02-01", until="2026-01-01")
    assert invalid == {"until"} and query.until is None and query.since == date(2026, 2, 1)


def test_hashtags_in_text():
    text = ("Pour le #Vélo, la #mobilité-douce et #vélo encore; pas &#39; ni ##double"
            " ni a#b. # titre")
    assert network_validation.hashtags_in(text) == ("vélo", "mobilité-douce")
