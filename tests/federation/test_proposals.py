"""Proposals as Mastodon polls (issue 5): /propositions/{id} serves a Question by the debate's
Group with current totals, our vocabulary carrying the whole proposal."""
from __future__ import annotations

from federation import vocab
from node import services
from node.model import Article, ContentKind, Operator, ProposalDraft, Role, VoteChoice
from tests.federation.harness import AS2, add_member, make_fed_node, open_debate  # noqa: F401


async def _proposal(node, author, slug: str = "eau") -> int:
    async with node.db.transaction() as tx:
        proposal = await services.submit_proposal(
            tx, node.clock, author, slug,
            ProposalDraft("Des fontaines publiques", "Installer **dix** fontaines en ville.",
                          (Article(1, "Nombre", "Dix fontaines."),)))
    return proposal.id


async def _vote(node, member, proposal_id: int, choice: VoteChoice) -> None:
    async with node.db.transaction() as tx:
        await services.cast_vote(tx, node.clock, member, proposal_id, choice)


async def _get(node, path: str, accept: str = AS2):
    async with node.client.get(node.url + path, headers={"Accept": accept}) as response:
        body = await response.json(content_type=None) if accept == AS2 else await response.text()
        return response.status, response.headers, body


async def test_proposal_url_serves_a_question_by_the_group_with_current_totals(make_fed_node):
    # Given an open debate with a proposal and two votes
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice", display_name="Alice Martin")
    bob = await add_member(alpha, "bob")
    proposal_id = await _proposal(alpha, alice)
    await _vote(alpha, alice, proposal_id, VoteChoice.FOR)
    await _vote(alpha, bob, proposal_id, VoteChoice.AGAINST)

    # When a federation client fetches the proposal's URL
    status, headers, question = await _get(alpha, f"/propositions/{proposal_id}")

    # Then it is a poll by the Group, with Mastodon's fields and current totals
    url = f"http://alpha.test/propositions/{proposal_id}"
    assert status == 200 and headers["Content-Type"].startswith(AS2)
    assert "Accept" in headers["Vary"]
    assert question["id"] == url and question["type"] == "Question" and question["url"] == url
    assert question["attributedTo"] == "http://alpha.test/debats/eau"
    assert [o["name"] for o in question["oneOf"]] == ["D'accord", "Mitigé", "Pas d'accord"]
    assert all(len(o["name"]) <= 50 for o in question["oneOf"]) and len(question["oneOf"]) <= 4
    assert [o["replies"]["totalItems"] for o in question["oneOf"]] == [1, 0, 1]
    assert question["votersCount"] == 2
    content = question["content"]
    assert "Des fontaines publiques" in content and "Alice Martin" in content
    assert f'href="{url}"' in content and "<h" not in content and "<img" not in content
    # and our vocabulary carries the whole proposal
    assert question["source"] == {"content": "Installer **dix** fontaines en ville.",
                                  "mediaType": "text/markdown"}
    assert question["articles"] == [{"number": 1, "title": "Nombre", "text": "Dix fontaines."}]
    assert question["authors"][0]["id"] == "http://alpha.test/membres/alice"
    assert question["status"] == "submitted" and question["debate"] == question["attributedTo"]
    assert question["tally"]["localMembers"] == {"for": 1, "mixed": 0, "against": 1}
    assert question["tally"]["remoteParticipants"] == {"for": 0, "mixed": 0, "against": 0}
    terms = question["@context"][-1]
    assert all(terms.get(t) for t in ("votersCount", "tally", "articles", "authors", "debate"))
    # and the published context defines the same terms
    _, _, context = await _get(alpha, "/ns/thc", accept=AS2)
    assert {"tally", "articles", "authors", "answer", "debate"} <= context["@context"].keys()

    # When a vote changes, the same URL serves the new totals (Mastodon refetches it)
    await _vote(alpha, bob, proposal_id, VoteChoice.MIXED)
    _, _, again = await _get(alpha, f"/propositions/{proposal_id}")
    assert [o["replies"]["totalItems"] for o in again["oneOf"]] == [1, 1, 0]
    assert again["votersCount"] == 2

    # and browsers still get the HTML page
    status, _, page = await _get(alpha, f"/propositions/{proposal_id}", accept="text/html")
    assert status == 200 and "<html" in page


async def test_a_hidden_or_unknown_proposal_is_not_served(make_fed_node):
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    alice = await add_member(alpha, "alice")
    moderator = await add_member(alpha, "modo", role=Role.MODERATOR)
    proposal_id = await _proposal(alpha, alice)
    async with alpha.db.transaction() as tx:
        await services.hide_content(tx, alpha.clock, moderator, ContentKind.PROPOSAL,
                                    proposal_id, "hors sujet")
    assert (await _get(alpha, f"/propositions/{proposal_id}"))[0] == 404
    assert (await _get(alpha, "/propositions/999"))[0] == 404


def test_option_names_map_back_to_choices_exactly():
    assert vocab.choice_of_option("Pas d'accord") is VoteChoice.AGAINST
    assert vocab.choice_of_option("pas d'accord") is None
    assert vocab.choice_of_option("Yes") is None
    assert vocab.QUESTION_TERMS["votersCount"] == "toot:votersCount"


async def test_a_new_proposal_goes_to_followers_as_create_question_and_votes_as_one_update(
        make_fed_node):
    from federation import fanout
    from node.model import AnswerKind, ProposalStatus
    from tests.federation.test_fanout import _activities, _follower

    # Given an open debate followed by a remote actor
    alpha = await make_fed_node("alpha")
    await open_debate(alpha, "eau")
    await _follower(alpha, "debate:1", "http://m.test/users/ann")
    alice = await add_member(alpha, "alice")
    bob = await add_member(alpha, "bob")
    mayor = await add_member(alpha, "maire", role=Role.REPRESENTATIVE, mandate="maire")
    await fanout.run_once(alpha.fed.deps)
    before = len(await _activities(alpha))
    alpha.clock.advance(minutes=1)

    # When a proposal is submitted, then voted on three times within a minute
    proposal_id = await _proposal(alpha, alice)
    await fanout.run_once(alpha.fed.deps)
    await _vote(alpha, alice, proposal_id, VoteChoice.FOR)
    await fanout.run_once(alpha.fed.deps)
    await _vote(alpha, bob, proposal_id, VoteChoice.FOR)
    await _vote(alpha, bob, proposal_id, VoteChoice.AGAINST)
    await fanout.run_once(alpha.fed.deps)
    alpha.clock.advance(minutes=1)  # the debounce window closes: the Update gets its totals
    await fanout.run_once(alpha.fed.deps)

    # Then the Group sent Create(Question), and one Update(Question) with the latest totals,
    # without `updated` (Mastodon would take it for an edit) and without who voted what
    sent = (await _activities(alpha))[before:]
    assert [a["type"] for a in sent] == ["Create", "Update"]
    create, update = sent
    assert create["actor"] == "http://alpha.test/debats/eau"
    assert create["object"]["type"] == "Question"
    assert create["object"]["attributedTo"] == create["actor"]
    question = update["object"]
    assert [o["replies"]["totalItems"] for o in question["oneOf"]] == [1, 0, 1]
    assert "updated" not in question and "updated" not in update
    assert "alice" not in str(question["tally"]) and "bob" not in str(question["tally"])

    # When the proposal is answered, the Group replies in the poll's thread
    async with alpha.db.transaction() as tx:
        await services.change_proposal_status(tx, alpha.clock, Operator(), proposal_id,
                                              ProposalStatus.IN_DISCUSSION)
        await services.answer_proposal(tx, alpha.clock, mayor, proposal_id,
                                       AnswerKind.ADOPTED, "Nous installerons dix fontaines.")
    await fanout.run_once(alpha.fed.deps)
    replies = [a for a in (await _activities(alpha))[before + 2:] if a["type"] == "Create"]
    notes = [r["object"] for r in replies]
    assert all(n["type"] == "Note" and n["inReplyTo"] == create["object"]["id"] for n in notes)
    assert any("en discussion" in n["content"] for n in notes)
    assert any("adoptée" in n["content"] and "dix fontaines" in n["content"] for n in notes)
