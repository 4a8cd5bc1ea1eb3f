"""ActivityPub: everything that knows the protocol exists (keys, signatures, actors, delivery)."""
