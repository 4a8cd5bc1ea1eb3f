"""The suite's own set-up shortcuts keep what production would give each node."""
from __future__ import annotations

from federation.keys import NODE_OWNER, check_actor_keys


async def test_each_node_of_a_test_has_its_own_valid_key_pair_and_a_migrated_database(make_node):
    alpha, beta = await make_node("alpha"), await make_node("beta")
    keys = [await node.db.read().keys.find(NODE_OWNER) for node in (alpha, beta)]
    for pair in keys:
        check_actor_keys(pair)
    assert keys[0].rsa_public_pem != keys[1].rsa_public_pem
    assert keys[0].ed25519_public_multibase != keys[1].ed25519_public_multibase
    assert alpha.db.applied_migrations == []  # the copy was migrated already
