-- Outbound federation (issue 4): the fan-out cursor over the event log, activities linked to
-- the event and object they publish, and the objects we receive from remote actors we follow.

-- The fan-out worker's position in `events`. Each event is fanned out once: the transaction
-- that stores its activities and their deliveries also moves this cursor past it.
CREATE TABLE fanout_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id INTEGER NOT NULL
);
-- Events already in the log when fan-out arrives are history: start after them.
INSERT INTO fanout_cursor (id, last_event_id) SELECT 1, coalesce(max(id), 0) FROM events;

-- An event whose activities could not be built (a bug in a publisher): recorded with its error,
-- skipped, never retried and never blocking the events after it.
CREATE TABLE fanout_failures (
    event_id INTEGER PRIMARY KEY REFERENCES events (id),
    event_type TEXT NOT NULL,
    error TEXT NOT NULL,
    failed_at TEXT NOT NULL
);

-- Which event an activity publishes, and which object it is about (for debounced updates:
-- an Update(Question) not yet sent is rewritten in place instead of sent twice).
ALTER TABLE outbox_activities ADD COLUMN event_id INTEGER REFERENCES events (id);
ALTER TABLE outbox_activities ADD COLUMN object_ap_id TEXT;
CREATE INDEX outbox_activities_by_object ON outbox_activities (object_ap_id, type, actor)
    WHERE object_ap_id IS NOT NULL;

-- "Do we follow this actor?", asked for every Create received.
CREATE INDEX following_by_target ON following (target_ap_id) WHERE state = 'accepted';

-- Objects created by remote actors we follow, as verified: the embedded copy when it has the
-- sender's origin, else the copy refetched from its own origin. Delete leaves a tombstone
-- (body NULL, deleted_at set) so that a late or replayed Create cannot bring it back.
CREATE TABLE remote_objects (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE CHECK (length(ap_id) <= 2048),
    type TEXT NOT NULL CHECK (length(type) <= 64),
    actor TEXT NOT NULL,  -- who created it (the Create's verified signer)
    attributed_to TEXT,
    host TEXT NOT NULL,  -- the object's origin, as a netloc
    body TEXT CHECK (body IS NULL OR json_valid(body)),
    activity_id TEXT NOT NULL,  -- the last activity that changed it
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    CHECK ((body IS NULL) = (deleted_at IS NOT NULL))
);
CREATE INDEX remote_objects_by_actor ON remote_objects (actor, id);
