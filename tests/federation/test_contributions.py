"""Contributions' small pieces (issue 5): who is group-aware, our amendment URLs parsed
strictly, poll options in the node's language."""
from __future__ import annotations

from federation import contributions, vocab
from federation.uris import Uris
from node import services
from node.model import ProposalDraft, VoteChoice
from storage.repos.follows import Recipient
from tests.federation.harness import AS2, add_member, make_fed_node, open_debate  # noqa: F401


def _recipient(software):
    return Recipient("http://x.test/u/a", "http://x.test/u/a/inbox", None, "x.test", software,
                     "Person")


def test_only_known_group_aware_software_gets_announced_contributions():
    assert contributions.is_group_aware(_recipient("lemmy"))
    assert contributions.is_group_aware(_recipient("thc-node"))
    assert contributions.is_group_aware(_recipient("Mbin"))
    assert not contributions.is_group_aware(_recipient("mastodon"))
    assert not contributions.is_group_aware(_recipient(None))  # not known yet: no flood


def test_amendment_urls_are_parsed_strictly():
    uris = Uris("http://alpha.test")
    assert uris.amendment_id_of("http://alpha.test/amendements/12") == 12
    for url in (None, "", "http://alpha.test/amendements/", "http://alpha.test/amendements/1x",
                "http://alpha.test/amendements/12/vote", "http://beta.test/amendements/12",
                "http://alpha.test/amendements/" + "9" * 20, "http://alpha.test/amendements/١٢"):
        assert uris.amendment_id_of(url) is None, url


def test_a_vote_matches_an_option_in_any_of_our_languages_exactly():
    assert vocab.choice_of_option("Disagree", "fr") is VoteChoice.AGAINST
    assert vocab.choice_of_option("Mitigé", "en") is VoteChoice.MIXED
    assert vocab.choice_of_option("disagree", "en") is None


async def test_poll_options_follow_the_nodes_language(make_fed_node):
    alpha = await make_fed_node("alpha", language="en")  # [node] default_language
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    async with alpha.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
    async with alpha.client.get(f"{alpha.url}/propositions/{proposal.id}",
                                headers={"Accept": AS2}) as response:
        question = await response.json(content_type=None)
    assert [o["name"] for o in question["oneOf"]] == ["Agree", "Mixed", "Disagree"]


async def test_under_authorized_fetch_contributions_need_a_signature(make_fed_node):
    from node.model import AmendmentDraft, Stance

    alpha = await make_fed_node("alpha", authorized_fetch=True)
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    async with alpha.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, alpha.clock, alice, "eau", ProposalDraft("Des fontaines", "Dix fontaines."))
        argument = await services.post_argument(tx, alpha.clock, alice, proposal.id,
                                                Stance.FOR, "Oui.")
        amendment = await services.propose_amendment(
            tx, alpha.clock, alice, proposal.id, AmendmentDraft("Vingt fontaines.", "Plus."))
    for path in (f"/arguments/{argument.id}", f"/arguments/{argument.id}/create",
                 f"/amendements/{amendment.id}"):
        async with alpha.client.get(alpha.url + path, headers={"Accept": AS2}) as response:
            assert response.status == 401, path
        # a browser is still sent to the public page
        async with alpha.client.get(alpha.url + path, headers={"Accept": "text/html"},
                                    allow_redirects=False) as response:
            assert response.status == 303, path
