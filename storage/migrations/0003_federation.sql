-- Federation: remote hosts and actors, follows both ways, the inbox queue, the outbox and its
-- deliveries. Local actors are named by their key owner: 'node', 'debate:<id>', 'member:<id>'.

-- What we learned about a peer host (netloc, with its port when it has one).
CREATE TABLE remote_hosts (
    host TEXT PRIMARY KEY,
    software TEXT,
    software_version TEXT,
    nodeinfo_fetched_at TEXT,
    -- NULL: unknown, sign draft-cavage; 'rfc9421' once the peer proved it speaks it.
    signature_scheme TEXT CHECK (signature_scheme IN ('cavage', 'rfc9421')),
    updated_at TEXT NOT NULL
);

-- Remote actors, cached; refetched when fetched_at is older than the cache's lifetime.
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    host TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    preferred_username TEXT,
    name TEXT,
    public_key_id TEXT,
    public_key_pem TEXT,
    fetched_at TEXT NOT NULL,
    is_gone INTEGER NOT NULL DEFAULT 0 CHECK (is_gone IN (0, 1))
);
CREATE INDEX remote_actors_by_key ON remote_actors (public_key_id);
CREATE INDEX remote_actors_by_inbox ON remote_actors (inbox);

-- Remote actors following our local actors (the followers collections).
CREATE TABLE followers (
    id INTEGER PRIMARY KEY,
    local_actor TEXT NOT NULL,
    follower_ap_id TEXT NOT NULL,
    follow_ap_id TEXT NOT NULL,  -- the Follow's id, echoed in our Accept
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at TEXT NOT NULL,
    accepted_at TEXT,
    UNIQUE (local_actor, follower_ap_id)
);
CREATE INDEX followers_by_follow ON followers (follow_ap_id);

-- Our local actors following remote actors (the following collections).
CREATE TABLE following (
    id INTEGER PRIMARY KEY,
    local_actor TEXT NOT NULL,
    target_ap_id TEXT NOT NULL,
    follow_ap_id TEXT NOT NULL UNIQUE,  -- our Follow's id, which the Accept must echo
    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted')),
    created_at TEXT NOT NULL,
    accepted_at TEXT,
    UNIQUE (local_actor, target_ap_id)
);

-- Verified incoming activities, recorded before processing (states: STYLE.md, inbox pipeline).
CREATE TABLE inbox_messages (
    id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL UNIQUE,
    activity_type TEXT NOT NULL,
    actor TEXT NOT NULL,
    recipient TEXT,  -- owner of the personal inbox posted to; NULL for the shared inbox
    key_id TEXT NOT NULL,
    signature_scheme TEXT NOT NULL CHECK (signature_scheme IN ('cavage', 'rfc9421')),
    body TEXT NOT NULL CHECK (json_valid(body)),
    state TEXT NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'processed', 'rejected', 'ignored', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    error TEXT,
    received_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX inbox_messages_due ON inbox_messages (next_attempt_at) WHERE state = 'received';

-- Every activity we emit, kept so that its id can be fetched (Mastodon dereferences them).
CREATE TABLE outbox_activities (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    actor TEXT NOT NULL,
    key_owner TEXT NOT NULL,  -- the actor_keys owner that signs its deliveries
    body TEXT NOT NULL CHECK (json_valid(body)),
    is_public INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_activities_public ON outbox_activities (actor, id) WHERE is_public = 1;

-- One row per (activity, target inbox): the durable delivery queue.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES outbox_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'delivered', 'failed', 'gone')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_status INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
