-- Deliberation (issue 3): accounts (invitations, sessions, password resets), debate settings
-- and roles, participants, proposals with versions, articles, sources, authors and history,
-- answers, arguments with "useful" marks, amendments, votes and moderation.
-- Tallies are never stored: they are counted from votes (see storage/repos/votes.py). Each
-- vote row carries its voter's current class (voter_class), so that counting 10,000 votes is
-- one covered index range instead of two joins per vote; node.services.verify_resident moves
-- a voter's rows to their new class in the same transaction, and VoteRepo.count_misclassified
-- checks the invariant.

-- --- Accounts ------------------------------------------------------------------------------

-- Single-use registration codes, stored as SHA-256 hashes.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    created_by_id INTEGER REFERENCES members (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
    used_at TEXT,
    used_by_id INTEGER REFERENCES members (id),
    CHECK ((used_at IS NULL) = (used_by_id IS NULL))
);

-- Login sessions (web/ owns their life); the cookie value is only stored hashed.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    csrf_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at)
) WITHOUT ROWID;
CREATE INDEX sessions_by_member ON sessions (member_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One-time password reset tokens, stored as SHA-256 hashes.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > created_at),
    used_at TEXT
);
CREATE INDEX password_resets_by_member ON password_resets (member_id) WHERE used_at IS NULL;

-- --- Debates -------------------------------------------------------------------------------

-- One row per debate once its settings are written; a debate without one uses the defaults.
CREATE TABLE debate_settings (
    debate_id INTEGER PRIMARY KEY REFERENCES debates (id) ON DELETE CASCADE,
    support_threshold INTEGER
        CHECK (support_threshold IS NULL OR support_threshold BETWEEN 1 AND 1000000),
    answer_delay_days INTEGER NOT NULL DEFAULT 60 CHECK (answer_delay_days BETWEEN 1 AND 365),
    has_public_votes INTEGER NOT NULL DEFAULT 0 CHECK (has_public_votes IN (0, 1)),
    -- The participant classes counted toward the threshold, sorted, comma-separated.
    threshold_classes TEXT NOT NULL DEFAULT 'local_member,verified_resident'
        CHECK (threshold_classes IN (
            'local_member', 'remote', 'verified_resident', 'local_member,remote',
            'local_member,verified_resident', 'remote,verified_resident',
            'local_member,remote,verified_resident')),
    updated_at TEXT NOT NULL
);

-- Moderators and representatives in charge of a debate.
CREATE TABLE debate_roles (
    debate_id INTEGER NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('moderator', 'representative')),
    assigned_by_id INTEGER REFERENCES members (id),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (debate_id, member_id, role)
) WITHOUT ROWID;
CREATE INDEX debate_roles_by_role ON debate_roles (debate_id, role);
CREATE INDEX debate_roles_by_member ON debate_roles (member_id);

-- --- Participants --------------------------------------------------------------------------

-- Who takes part: a local member, or (issue 5) a remote fediverse actor known by its ap_id.
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('local', 'remote')),
    member_id INTEGER UNIQUE REFERENCES members (id),
    ap_id TEXT UNIQUE,
    created_at TEXT NOT NULL,
    CHECK ((kind = 'local' AND member_id IS NOT NULL AND ap_id IS NULL)
        OR (kind = 'remote' AND member_id IS NULL AND ap_id IS NOT NULL))
);

-- --- Proposals -----------------------------------------------------------------------------

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    debate_id INTEGER NOT NULL REFERENCES debates (id),
    author_id INTEGER NOT NULL REFERENCES participants (id),
    status TEXT NOT NULL DEFAULT 'submitted'
        CHECK (status IN ('submitted', 'in_discussion', 'answered')),
    current_version INTEGER NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    threshold_reached_at TEXT,
    answer_due_at TEXT,
    answered_at TEXT,
    hidden_at TEXT,
    ap_id TEXT UNIQUE,
    CHECK ((threshold_reached_at IS NULL) = (answer_due_at IS NULL)),
    CHECK ((status = 'answered') = (answered_at IS NOT NULL))
);
-- Listing a debate's visible proposals, newest first.
CREATE INDEX proposals_by_debate ON proposals (debate_id, id) WHERE hidden_at IS NULL;
-- Indicators and the home page: deadlines still running or overdue.
CREATE INDEX proposals_awaiting_answer ON proposals (answer_due_at)
    WHERE answered_at IS NULL AND answer_due_at IS NOT NULL;

-- Every version of a proposal; the current one is proposals.current_version.
CREATE TABLE proposal_versions (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number >= 1),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_by_id INTEGER REFERENCES participants (id),
    amendment_id INTEGER REFERENCES amendments (id),
    created_at TEXT NOT NULL,
    UNIQUE (proposal_id, number)
);

CREATE TABLE proposal_articles (
    version_id INTEGER NOT NULL REFERENCES proposal_versions (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 9999),
    title TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 10000),
    PRIMARY KEY (version_id, number)
) WITHOUT ROWID;

CREATE TABLE proposal_sources (
    version_id INTEGER NOT NULL REFERENCES proposal_versions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 20),
    url TEXT NOT NULL
        CHECK (length(url) <= 2000 AND (url LIKE 'http://%' OR url LIKE 'https://%')),
    title TEXT NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    PRIMARY KEY (version_id, position)
) WITHOUT ROWID;

-- The lead author (is_lead = 1, exactly one) and co-authors.
CREATE TABLE proposal_authors (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    is_lead INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
    added_at TEXT NOT NULL,
    PRIMARY KEY (proposal_id, participant_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX proposal_lead_author ON proposal_authors (proposal_id) WHERE is_lead = 1;
CREATE INDEX proposal_authors_by_participant ON proposal_authors (participant_id);

-- Who changed what and when: submission, versions, status, co-authors, threshold, answers.
CREATE TABLE proposal_history (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN (
        'submitted', 'edited', 'status_changed', 'coauthor_added', 'coauthor_removed',
        'threshold_reached', 'amendment_integrated', 'answered', 'answer_revised')),
    by TEXT NOT NULL,
    by_member_id INTEGER REFERENCES members (id),
    old_status TEXT CHECK (old_status IN ('submitted', 'in_discussion', 'answered')),
    new_status TEXT CHECK (new_status IN ('submitted', 'in_discussion', 'answered')),
    version INTEGER,
    note TEXT NOT NULL DEFAULT '',
    occurred_at TEXT NOT NULL
);
CREATE INDEX proposal_history_by_proposal ON proposal_history (proposal_id, id);

-- The representatives' answer: revision 1, then corrections; every revision is kept.
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    kind TEXT NOT NULL
        CHECK (kind IN ('adopted', 'adopted_with_changes', 'rejected', 'needs_study')),
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
    member_id INTEGER NOT NULL REFERENCES members (id),
    mandate TEXT NOT NULL DEFAULT '',
    answered_at TEXT NOT NULL,
    UNIQUE (proposal_id, revision)
);

-- --- Arguments -----------------------------------------------------------------------------

CREATE TABLE arguments (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES participants (id),
    stance TEXT NOT NULL CHECK (stance IN ('for', 'against', 'neutral')),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at TEXT NOT NULL,
    edited_at TEXT,
    withdrawn_at TEXT,
    hidden_at TEXT,
    ap_id TEXT UNIQUE
);
-- Listing a proposal's listed arguments by stance.
CREATE INDEX arguments_by_proposal ON arguments (proposal_id, stance, id)
    WHERE hidden_at IS NULL AND withdrawn_at IS NULL;

-- "Useful" marks: one per participant and argument.
CREATE TABLE argument_marks (
    argument_id INTEGER NOT NULL REFERENCES arguments (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (argument_id, participant_id)
) WITHOUT ROWID;

-- --- Amendments ----------------------------------------------------------------------------

CREATE TABLE amendments (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES participants (id),
    article_number INTEGER CHECK (article_number IS NULL OR article_number BETWEEN 1 AND 9999),
    base_version INTEGER NOT NULL CHECK (base_version >= 1),
    original_text TEXT NOT NULL,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 20000),
    rationale TEXT NOT NULL CHECK (length(rationale) <= 5000),
    status TEXT NOT NULL DEFAULT 'proposed'
        CHECK (status IN ('proposed', 'integrated', 'rejected', 'withdrawn')),
    decided_by_id INTEGER REFERENCES members (id),
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT '',
    integrated_version INTEGER,
    created_at TEXT NOT NULL,
    hidden_at TEXT,
    ap_id TEXT UNIQUE,
    CHECK ((status = 'proposed') = (decided_at IS NULL)),
    CHECK ((status = 'integrated') = (integrated_version IS NOT NULL))
);
CREATE INDEX amendments_by_proposal ON amendments (proposal_id, id) WHERE hidden_at IS NULL;

CREATE TABLE amendment_votes (
    amendment_id INTEGER NOT NULL REFERENCES amendments (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    choice TEXT NOT NULL CHECK (choice IN ('for', 'mixed', 'against')),
    voter_class TEXT NOT NULL
        CHECK (voter_class IN ('verified_resident', 'local_member', 'remote')),
    cast_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (amendment_id, participant_id)
) WITHOUT ROWID;

-- --- Votes ---------------------------------------------------------------------------------

-- One vote per participant and proposal; changing it updates the row.
CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    choice TEXT NOT NULL CHECK (choice IN ('for', 'mixed', 'against')),
    -- The voter's current class: see the note at the top of this file.
    voter_class TEXT NOT NULL
        CHECK (voter_class IN ('verified_resident', 'local_member', 'remote')),
    cast_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (proposal_id, participant_id)
);
-- Tallies and support count one proposal's votes by choice and class (a covering index).
CREATE INDEX votes_by_proposal_choice ON votes (proposal_id, choice, voter_class);
-- A participant's votes: the proposals they support, and reclassification on verification.
CREATE INDEX votes_by_participant ON votes (participant_id, choice);
CREATE INDEX amendment_votes_by_participant ON amendment_votes (participant_id);

-- --- Moderation ----------------------------------------------------------------------------

-- Every hide and unhide, with its reason: the moderation history, kept forever.
CREATE TABLE moderation_actions (
    id INTEGER PRIMARY KEY,
    debate_id INTEGER NOT NULL REFERENCES debates (id),
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('proposal', 'argument', 'amendment')),
    target_id INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('hide', 'unhide')),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 3 AND 1000),
    member_id INTEGER REFERENCES members (id),
    by TEXT NOT NULL,
    occurred_at TEXT NOT NULL
);
CREATE INDEX moderation_by_debate ON moderation_actions (debate_id, id);
CREATE INDEX moderation_by_target ON moderation_actions (target_kind, target_id, id);
