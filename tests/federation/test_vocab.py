"""vocab: parsing real payloads (never a crash), bounded JSON, round trips, rendering."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import get_args

import pytest

from federation import vocab
from federation.vocab import MalformedActivity
from node.model import Member, Role

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "activitypub"
ALL_FIXTURES = sorted(p for p in FIXTURES.rglob("*.json"))


def _load(relative: str):
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def test_the_fixture_set_is_complete():
    # lemmy's 124 payloads and fedify's 26 non-context documents (SOURCES.md)
    assert len(ALL_FIXTURES) == 150
    assert (FIXTURES / "SOURCES.md").exists()


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_every_real_payload_is_parsed_or_rejected_with_a_reason(path):
    # Given a payload some fediverse software really sent
    raw = vocab.parse_json(path.read_bytes())
    # When it is parsed / Then it is a typed value, or refused with a short, clear reason
    try:
        parsed = vocab.from_ap_document(raw)
    except MalformedActivity as exc:
        assert exc.reason and len(exc.reason) < 120
        return
    assert isinstance(parsed, get_args(vocab.Document))  # one of vocab's typed values
    if isinstance(parsed, (vocab.Follow, vocab.Response, vocab.Activity)):
        # Anything accepted as an activity also parses through the inbox's own entry point.
        assert vocab.from_ap_activity(raw) == parsed


@pytest.mark.parametrize(("relative", "expected"), [
    ("lemmy/mastodon/activities/follow.json", vocab.Follow),
    ("lemmy/pleroma/activities/follow.json", vocab.Follow),
    ("lemmy/lotide/activities/follow.json", vocab.Follow),
    ("lemmy/lemmy/activities/following/follow.json", vocab.Follow),
    ("lemmy/mastodon/activities/undo_follow.json", vocab.Response),
    ("lemmy/lemmy/activities/following/accept.json", vocab.Response),
    ("lemmy/mbin/activities/accept.json", vocab.Response),
    ("lemmy/mitra/activities/accept.json", vocab.Response),
    ("lemmy/mastodon/activities/create_note.json", vocab.Activity),
    ("lemmy/lemmy/activities/community/announce_create_page.json", vocab.Activity),
    ("lemmy/mastodon/objects/person.json", vocab.ActorDocument),
    ("lemmy/lemmy/objects/group.json", vocab.ActorDocument),
    ("lemmy/lemmy/objects/instance.json", vocab.ActorDocument),
    ("lemmy/lemmy/collections/group_followers.json", vocab.CollectionDocument),
    ("lemmy/mastodon/objects/note_1.json", vocab.ObjectDocument),
    ("fedify/example.com/key.json", vocab.KeyDocument),
    ("fedify/wizard.casa/users/hongminhee.json", vocab.ActorDocument),
])
def test_known_payloads_parse_to_the_expected_type(relative, expected):
    assert isinstance(vocab.from_ap_document(_load(relative)), expected)


def test_mastodon_undo_follow_carries_the_embedded_follow():
    undo = vocab.from_ap_activity(_load("lemmy/mastodon/activities/undo_follow.json"))
    assert undo.dispatch_key == ("Undo", "Follow")
    assert undo.follow == vocab.Follow(
        "https://masto.asonix.dog/1ea87517-63c5-4118-8831-460ee641b2cf",
        "https://masto.asonix.dog/users/asonix", "https://ds9.lemmy.ml/c/testcom")


def test_mitra_accept_by_reference_routes_with_no_object_type():
    # Mitra's Accept names the Follow by id only, and carries a FEP-8b32 proof we ignore.
    accept = vocab.from_ap_activity(_load("lemmy/mitra/activities/accept.json"))
    assert accept.dispatch_key == ("Accept", None) and accept.follow is None
    assert accept.object_id.startswith("https://voyager.lemmy.ml/activities/follow/")


def test_group_actor_exposes_inbox_shared_inbox_and_key():
    group = vocab.from_ap_actor(_load("lemmy/lemmy/objects/group.json"))
    assert group.type == "Group" and group.inbox.endswith("/inbox")
    assert group.shared_inbox and group.public_keys[0].owner == group.id
    assert group.key(group.public_keys[0].id) is group.public_keys[0]


@pytest.mark.parametrize(("relative", "reason"), [
    ("fedify/example.com/wrong-type.json", "document has no type"),
])
def test_unreadable_payloads_are_rejected_with_their_reason(relative, reason):
    with pytest.raises(MalformedActivity, match=reason):
        vocab.from_ap_document(_load(relative))


def test_type_may_be_a_list_and_ids_embedded_objects():
    raw = {"id": "https://a.example/1", "type": ["Follow", "https://a.example/ns#Extra"],
           "actor": {"id": "https://a.example/u/x", "type": "Person"},
           "object": [{"id": "https://b.example/g", "type": "Group"}]}
    assert vocab.from_ap_activity(raw) == vocab.Follow("https://a.example/1",
                                                       "https://a.example/u/x",
                                                       "https://b.example/g")


def test_to_and_cc_are_normalised_into_lists():
    raw = {"id": "https://a.example/1", "type": "Create", "actor": "https://a.example/u",
           "to": "as:Public", "cc": [{"id": "https://a.example/u/followers"}, 42, "javascript:x"],
           "object": {"id": "https://a.example/n", "type": "Note"}}
    parsed = vocab.from_ap_activity(raw)
    assert parsed.to == (vocab.PUBLIC,) and parsed.cc == ("https://a.example/u/followers",)
    assert parsed.dispatch_key == ("Create", "Note")


@pytest.mark.parametrize(("raw", "reason"), [
    ([], "not a JSON object"),
    ({"type": "Follow", "actor": "https://a/u", "object": "https://b/g"}, "has no id"),
    ({"id": "urn:x", "type": "Follow", "actor": "https://a/u", "object": "https://b/g"},
     "not an http"),
    ({"id": "https://a.example/1", "actor": "https://a.example/u"}, "has no type"),
    ({"id": "https://a.example/1", "type": "Follow", "object": "https://b/g"}, "no actor"),
    ({"id": "https://a.example/1", "type": "Undo", "actor": "https://a.example/u"}, "no object"),
    ({"id": "https://a.example/1", "type": "Note", "actor": "https://a/u"}, "not an activity"),
])
def test_malformed_activities_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(MalformedActivity, match=reason):
        vocab.from_ap_activity(raw)


def test_json_nesting_is_bounded_without_recursion_errors():
    assert vocab.parse_json(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(MalformedActivity, match="nested deeper than 32"):
        vocab.parse_json(b"[" * 33 + b"]" * 33)
    with pytest.raises(MalformedActivity, match="nested deeper"):
        vocab.parse_json(b'{"a":' * 200_000 + b"1" + b"}" * 200_000)
    with pytest.raises(MalformedActivity, match="not valid JSON"):
        vocab.parse_json(b"\xff\xfe{")


def test_follow_and_responses_round_trip():
    follow = vocab.Follow("https://b.example/a/1", "https://b.example/u/bob", "https://a.example/g")
    assert vocab.from_ap_follow(vocab.to_ap_follow(follow)) == follow
    for kind in ("Accept", "Reject", "Undo"):
        response = vocab.Response(kind, "https://a.example/a/2", "https://a.example/g",
                                  follow.id, "Follow", follow)
        assert vocab.from_ap_activity(vocab.to_ap_response(response)) == response


def _links(actor_id: str) -> vocab.ActorLinks:
    return vocab.ActorLinks(
        id=actor_id, inbox=f"{actor_id}/inbox", outbox=f"{actor_id}/outbox",
        followers=f"{actor_id}/followers", following=f"{actor_id}/following",
        shared_inbox="https://a.example/inbox", context="https://a.example/ns/thc",
        url=actor_id, rsa_public_pem="PEM", ed25519_multibase="z6Mk",
        main_key_id=f"{actor_id}#main-key", ed25519_key_id=f"{actor_id}#ed25519-key")


def test_rendered_actors_parse_back():
    member = Member(1, "claire", "Claire <b>", Role.REPRESENTATIVE, "maire & co", True, None,
                    None, False, datetime(2026, 1, 1, tzinfo=timezone.utc))
    doc = vocab.to_ap_person(member, _links("https://a.example/membres/claire"))
    parsed = vocab.from_ap_actor(doc)
    assert (parsed.id, parsed.type, parsed.preferred_username, parsed.name) == (
        "https://a.example/membres/claire", "Person", "claire", "Claire <b>")
    assert parsed.public_keys == (vocab.PublicKey("https://a.example/membres/claire#main-key",
                                                  "https://a.example/membres/claire", "PEM"),)
    # The mandate is escaped where it is HTML (summary, profile field) and plain in `mandate`.
    assert doc["summary"] == "<p>maire &amp; co</p>" and doc["mandate"] == "maire & co"
    assert doc["attachment"][0]["value"] == "maire &amp; co"


def test_json_text_rules_are_those_of_json_loads():
    # UTF-8 with or without a byte order mark, UTF-16 and -32 as bytes; NaN and Infinity refused
    assert vocab.parse_json('{"a": "é"}'.encode()) == {"a": "é"}
    assert vocab.parse_json(b"\xef\xbb\xbf{}") == {}
    assert vocab.parse_json('{"a": 1}'.encode("utf-16")) == {"a": 1}
    assert vocab.parse_json('{"a": 1}'.encode("utf-32-le")) == {"a": 1}
    for bad in (b"NaN", b'{"a": -Infinity}', "\ufeff{}", b"\xff\xfe\xfd", b"{", b""):
        with pytest.raises(vocab.MalformedActivity):
            vocab.parse_json(bad)
