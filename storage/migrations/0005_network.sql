-- The network view (issue 5): the THC territories this node knows, their debates and
-- proposals as their nodes sent them, and one full-text index over local AND remote proposals.
-- Everything remote is keyed by its ActivityPub id. Remote input is untrusted: node/network.py
-- validates and bounds every field before it reaches these tables, and the CHECKs below are the
-- last line (the same bounds, so a bug upstream fails loudly instead of storing junk).

-- A THC node we know, by its Application actor; figures come from its NodeInfo.
CREATE TABLE remote_territories (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE
        CHECK (length(ap_id) <= 2000 AND (ap_id LIKE 'https://%' OR ap_id LIKE 'http://%')),
    base_url TEXT NOT NULL
        CHECK (length(base_url) <= 2000 AND (base_url LIKE 'https://%' OR base_url LIKE 'http://%')),
    host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 300),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    users INTEGER CHECK (users IS NULL OR users BETWEEN 0 AND 1000000000),
    proposals INTEGER CHECK (proposals IS NULL OR proposals BETWEEN 0 AND 1000000000),
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX remote_territories_by_host ON remote_territories (host);

-- A debate of a remote territory (its Group actor).
CREATE TABLE remote_debates (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE CHECK (length(ap_id) <= 2000),
    territory_id INTEGER NOT NULL REFERENCES remote_territories (id) ON DELETE CASCADE,
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 100),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'concluded')),
    url TEXT NOT NULL
        CHECK (length(url) <= 2000 AND (url LIKE 'https://%' OR url LIKE 'http://%')),
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX remote_debates_by_territory ON remote_debates (territory_id, id);

-- A remote proposal as received. Tallies are stored as received (we cannot count remote votes);
-- a deleted proposal keeps its row as a tombstone (content blanked), so that a late or replayed
-- Create/Update cannot bring it back.
CREATE TABLE remote_proposals (
    id INTEGER PRIMARY KEY,
    ap_id TEXT NOT NULL UNIQUE CHECK (length(ap_id) <= 2000),
    territory_id INTEGER NOT NULL REFERENCES remote_territories (id) ON DELETE CASCADE,
    debate_id INTEGER REFERENCES remote_debates (id) ON DELETE CASCADE,
    title TEXT NOT NULL CHECK (length(title) <= 200),
    summary TEXT NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    body TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 20000),  -- markdown source
    status TEXT NOT NULL CHECK (status IN ('submitted', 'in_discussion', 'answered')),
    answer_kind TEXT
        CHECK (answer_kind IN ('adopted', 'adopted_with_changes', 'rejected', 'needs_study')),
    answered_at TEXT,
    -- Tallies by participant class and choice, as the origin counted them.
    resident_for INTEGER NOT NULL DEFAULT 0 CHECK (resident_for BETWEEN 0 AND 1000000000),
    resident_mixed INTEGER NOT NULL DEFAULT 0 CHECK (resident_mixed BETWEEN 0 AND 1000000000),
    resident_against INTEGER NOT NULL DEFAULT 0 CHECK (resident_against BETWEEN 0 AND 1000000000),
    member_for INTEGER NOT NULL DEFAULT 0 CHECK (member_for BETWEEN 0 AND 1000000000),
    member_mixed INTEGER NOT NULL DEFAULT 0 CHECK (member_mixed BETWEEN 0 AND 1000000000),
    member_against INTEGER NOT NULL DEFAULT 0 CHECK (member_against BETWEEN 0 AND 1000000000),
    remote_for INTEGER NOT NULL DEFAULT 0 CHECK (remote_for BETWEEN 0 AND 1000000000),
    remote_mixed INTEGER NOT NULL DEFAULT 0 CHECK (remote_mixed BETWEEN 0 AND 1000000000),
    remote_against INTEGER NOT NULL DEFAULT 0 CHECK (remote_against BETWEEN 0 AND 1000000000),
    total_votes INTEGER GENERATED ALWAYS AS (
        resident_for + resident_mixed + resident_against + member_for + member_mixed
        + member_against + remote_for + remote_mixed + remote_against) STORED,
    themes TEXT NOT NULL DEFAULT '' CHECK (length(themes) <= 1100),  -- space-separated
    url TEXT NOT NULL
        CHECK (length(url) <= 2000 AND (url LIKE 'https://%' OR url LIKE 'http://%')),
    published_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    tallied_at TEXT NOT NULL,
    deleted_at TEXT,
    received_at TEXT NOT NULL,
    CHECK ((answer_kind IS NULL) = (answered_at IS NULL)),
    CHECK (deleted_at IS NOT NULL OR (debate_id IS NOT NULL AND length(title) >= 1))
);
CREATE INDEX remote_proposals_by_territory ON remote_proposals (territory_id, id);
CREATE INDEX remote_proposals_by_debate ON remote_proposals (debate_id, id);
CREATE INDEX remote_proposals_by_date ON remote_proposals (published_at, id)
    WHERE deleted_at IS NULL;
CREATE INDEX remote_proposals_by_votes ON remote_proposals (total_votes, id)
    WHERE deleted_at IS NULL;

-- A remote proposal's themes (hashtags, normalised by node/network.py), for the theme filter.
CREATE TABLE remote_proposal_themes (
    proposal_id INTEGER NOT NULL REFERENCES remote_proposals (id) ON DELETE CASCADE,
    theme TEXT NOT NULL CHECK (length(theme) BETWEEN 1 AND 50),
    PRIMARY KEY (theme, proposal_id)
) WITHOUT ROWID;
CREATE INDEX remote_proposal_themes_by_proposal ON remote_proposal_themes (proposal_id);

-- --- Search ----------------------------------------------------------------------------------

-- One full-text index over local and remote proposals. Its rowid says which: 2 × id for a
-- local proposal, 2 × id + 1 for a remote one (the same "item key" the network list pages on).
-- unicode61 with remove_diacritics 2 folds accents on both sides (écoles ~ ecoles); the prefix
-- indexes make `term*` queries cheap (pieton* finds piétonniser). No stemmer is built into
-- SQLite: node/network.py folds plural and feminine endings of query terms instead.
-- Hidden proposals and draft debates stay indexed and are filtered out by the list query, so
-- moderation needs no trigger here.
CREATE VIRTUAL TABLE network_search USING fts5 (
    title, body, themes,
    tokenize = "unicode61 remove_diacritics 2",
    prefix = '2 3'
);

-- Local proposals change only through storage/repos/proposals.py; these triggers keep the
-- index in the same transaction without touching that repository. A version becomes current
-- either when it is inserted as version 1 (the proposal row exists first, current_version = 1)
-- or when proposals.current_version moves to it (add_version inserts, then updates).
CREATE TRIGGER network_search_local_version AFTER INSERT ON proposal_versions
WHEN NEW.number = (SELECT current_version FROM proposals WHERE id = NEW.proposal_id)
BEGIN
    DELETE FROM network_search WHERE rowid = 2 * NEW.proposal_id;
    INSERT INTO network_search (rowid, title, body, themes)
        VALUES (2 * NEW.proposal_id, NEW.title, NEW.body, '');
END;

CREATE TRIGGER network_search_local_current AFTER UPDATE OF current_version ON proposals
WHEN NEW.current_version IS NOT OLD.current_version
BEGIN
    DELETE FROM network_search WHERE rowid = 2 * NEW.id;
    INSERT INTO network_search (rowid, title, body, themes)
        SELECT 2 * NEW.id, v.title, v.body, '' FROM proposal_versions v
        WHERE v.proposal_id = NEW.id AND v.number = NEW.current_version;
END;

CREATE TRIGGER network_search_local_deleted AFTER DELETE ON proposals
BEGIN
    DELETE FROM network_search WHERE rowid = 2 * OLD.id;
END;

-- Remote proposals: indexed while alive, dropped from the index when tombstoned.
CREATE TRIGGER network_search_remote_added AFTER INSERT ON remote_proposals
WHEN NEW.deleted_at IS NULL
BEGIN
    INSERT INTO network_search (rowid, title, body, themes)
        VALUES (2 * NEW.id + 1, NEW.title, NEW.summary || char(10) || NEW.body, NEW.themes);
END;

CREATE TRIGGER network_search_remote_changed
AFTER UPDATE OF title, summary, body, themes, deleted_at ON remote_proposals
BEGIN
    DELETE FROM network_search WHERE rowid = 2 * NEW.id + 1;
    INSERT INTO network_search (rowid, title, body, themes)
        SELECT 2 * NEW.id + 1, NEW.title, NEW.summary || char(10) || NEW.body, NEW.themes
        WHERE NEW.deleted_at IS NULL;
END;

CREATE TRIGGER network_search_remote_deleted AFTER DELETE ON remote_proposals
BEGIN
    DELETE FROM network_search WHERE rowid = 2 * OLD.id + 1;
END;

-- Proposals written before this migration.
INSERT INTO network_search (rowid, title, body, themes)
    SELECT 2 * p.id, v.title, v.body, '' FROM proposals p
    JOIN proposal_versions v ON v.proposal_id = p.id AND v.number = p.current_version;
