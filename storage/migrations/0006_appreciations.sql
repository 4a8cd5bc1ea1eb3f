-- Informal appreciations of proposals from the fediverse (issue 5): a Mastodon favourite is a
-- `Like` of the poll. Counted only, never a vote; one per remote actor and proposal, undone by
-- `Undo(Like)`. Keyed by remote input, so bounded by the UNIQUE pair and the length checks.
CREATE TABLE proposal_appreciations (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    actor_ap_id TEXT NOT NULL CHECK (length(actor_ap_id) <= 2048),
    like_ap_id TEXT NOT NULL UNIQUE CHECK (length(like_ap_id) <= 2048),
    created_at TEXT NOT NULL,
    UNIQUE (proposal_id, actor_ap_id)
);
