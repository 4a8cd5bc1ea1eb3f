"""uris.py: ids built and parsed back; origins compare scheme, host and port."""
from __future__ import annotations

import pytest

from federation.uris import LocalName, Uris, host_of, origin_of, same_origin


def test_ids_are_built_from_the_base_url():
    uris = Uris("https://ville.example")
    assert uris.debate_uri("eau") == "https://ville.example/debats/eau"
    assert uris.member_uri("alice") == "https://ville.example/membres/alice"
    assert uris.node_actor_uri() == "https://ville.example/actor"
    followers = uris.sub_uri(uris.debate_uri("eau"), "followers")
    assert followers == "https://ville.example/debats/eau/followers"
    assert uris.main_key_id(uris.node_actor_uri()) == "https://ville.example/actor#main-key"
    assert uris.host == "ville.example"


def test_handle_host_keeps_a_non_default_port():
    assert Uris("http://127.0.0.1:8080").host == "127.0.0.1:8080"
    assert Uris("https://ville.example:443").host == "ville.example"


@pytest.mark.parametrize(("url", "expected"), [
    ("https://ville.example/debats/eau", LocalName("debate", "eau")),
    ("https://ville.example/membres/alice", LocalName("member", "alice")),
    ("https://ville.example/actor", LocalName("node", "")),
    ("https://VILLE.example:443/actor", LocalName("node", "")),
    ("http://ville.example/actor", None),  # another scheme is another origin
    ("https://ville.example:8443/actor", None),  # another port too
    ("https://ville.example.evil/actor", None),
    ("https://ville.example/debats/eau/inbox", None),
    ("https://ville.example/debats/eau?x=1", None),
    ("https://ville.example/debats/eau#main-key", None),
    ("not a url", None),
])
def test_parse_actor_recognises_only_our_actor_ids(url, expected):
    assert Uris("https://ville.example").parse_actor(url) == expected


def test_origins_make_default_ports_explicit():
    assert origin_of("https://a.example/x") == origin_of("https://A.example:443/y")
    assert origin_of("http://a.example/") != origin_of("https://a.example/")
    assert origin_of("https://a.example:8443/") != origin_of("https://a.example/")
    assert origin_of("ftp://a.example/") is None and origin_of("https://u:p@a.example/") is None
    assert host_of("http://a.example:8080/x") == "a.example:8080"


def test_same_origin_by_prefix_or_by_parsing():
    actor = "https://a.example/users/ana"
    assert same_origin("https://a.example/activities/1", actor)
    assert same_origin("https://A.EXAMPLE:443/activities/1", actor)  # parsed: same origin
    assert not same_origin("https://a.example.evil/x", actor)
    assert not same_origin("https://a.example:8443/x", actor)
    assert not same_origin("http://a.example/x", actor)
    assert not same_origin("https://evil.example/@a.example/x", actor)
    assert not same_origin("https://u@a.example/x", actor)  # userinfo: not an origin we take
    assert not same_origin("not a url", actor) and not same_origin("https://a.example/x", "x")
    # An actor that spells its origin oddly still compares by parsing
    assert same_origin("https://a.example/x", "https://A.example:443/users/ana")
    assert same_origin("http://[::1]:8080/x", "http://[::1]:8080/users/ana")
