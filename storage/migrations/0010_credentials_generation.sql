-- A counter of changes to who may authenticate as whom, kept by triggers (issue 3's votes).
-- Every API request resolved its Bearer token with a join and built the member from the row;
-- the server now keeps the answer per token while this number stays the same. The triggers
-- fire for every writer (the server, the CLI in another process, sqlite3 by hand), so a
-- revoked token or a changed role is seen by the very next request.
CREATE TABLE credentials_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n INTEGER NOT NULL
);
INSERT INTO credentials_generation (id, n) VALUES (1, 0);

CREATE TRIGGER api_tokens_changed AFTER UPDATE ON api_tokens BEGIN
    UPDATE credentials_generation SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER api_tokens_removed AFTER DELETE ON api_tokens BEGIN
    UPDATE credentials_generation SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER members_changed AFTER UPDATE ON members BEGIN
    UPDATE credentials_generation SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER members_removed AFTER DELETE ON members BEGIN
    UPDATE credentials_generation SET n = n + 1 WHERE id = 1;
END;
