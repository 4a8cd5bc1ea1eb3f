-- Territories follow territories (issue 5): the backfill of a followed territory's existing
-- proposals, one row per followed Application actor, and the answer's text on remote proposals.

-- One backfill per territory this node follows, created once its Follow is accepted ("on first
-- follow": a row that is done stays, so a later follow does not walk the collection again).
-- The walk is bounded (node side: pages and items) and resumable: `next_url` is the next page.
CREATE TABLE territory_backfills (
    id INTEGER PRIMARY KEY,
    territory_ap_id TEXT NOT NULL UNIQUE CHECK (length(territory_ap_id) <= 2000),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    next_url TEXT CHECK (next_url IS NULL OR length(next_url) <= 2000),
    pages INTEGER NOT NULL DEFAULT 0 CHECK (pages >= 0),
    items INTEGER NOT NULL DEFAULT 0 CHECK (items >= 0),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NOT NULL,
    locked_until TEXT,
    last_error TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX territory_backfills_due ON territory_backfills (state, next_attempt_at);

-- The representative's answer as the origin wrote it (markdown source), shown in the network
-- view beside the answer's kind; blanked with the rest when the proposal is tombstoned.
ALTER TABLE remote_proposals ADD COLUMN answer_text TEXT NOT NULL DEFAULT ''
    CHECK (length(answer_text) <= 20000);
