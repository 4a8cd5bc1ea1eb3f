-- Members, debates, API tokens, actor keys and the domain event log.
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('citizen', 'representative', 'association', 'company',
                                       'moderator', 'trusted_third_party', 'admin')),
    mandate TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    is_verified_resident INTEGER NOT NULL DEFAULT 0 CHECK (is_verified_resident IN (0, 1)),
    verified_by_id INTEGER REFERENCES members (id),
    verified_at TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE debates (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'closed', 'concluded')),
    opens_at TEXT,
    closes_at TEXT,
    created_by_id INTEGER REFERENCES members (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX debates_by_status ON debates (status, id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

-- One key pair set per actor: 'node' (the Application actor), 'member:<id>', 'debate:<id>'.
CREATE TABLE actor_keys (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL UNIQUE,
    rsa_private_pem TEXT NOT NULL,
    rsa_public_pem TEXT NOT NULL,
    ed25519_private_pem TEXT NOT NULL,
    ed25519_public_multibase TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The transactional outbox and, later, the transparency log's source.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    occurred_at TEXT NOT NULL
);
