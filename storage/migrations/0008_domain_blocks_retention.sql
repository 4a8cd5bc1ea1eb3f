-- Federation policy and housekeeping (issue 4): domain blocks as data, and what retention keeps.

-- Domains blocked by the operator (`thc-node block add`), beside the config's
-- `federation.blocked_domains`; a block covers the domain and its subdomains.
CREATE TABLE domain_blocks (
    domain TEXT PRIMARY KEY CHECK (length(domain) BETWEEN 1 AND 253),
    reason TEXT NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    created_at TEXT NOT NULL
);

-- Activity ids of inbox records deleted by retention, kept (compact, no body) until
-- `forget_after` so that a peer's late retry is still recognised as a duplicate.
CREATE TABLE inbox_seen (
    activity_id TEXT PRIMARY KEY,
    forget_after TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbox_seen_by_age ON inbox_seen (forget_after);

-- Retention walks finished rows by age.
CREATE INDEX inbox_messages_finished ON inbox_messages (finished_at)
    WHERE state IN ('processed', 'rejected', 'ignored');
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE state = 'delivered';
-- Retention purges cached remote actors nobody uses, that neither follow us nor are followed.
CREATE INDEX remote_actors_by_fetched ON remote_actors (fetched_at);
CREATE INDEX followers_by_follower ON followers (follower_ap_id);
-- NodeInfo discovery asks at every worker pass which hosts have no software known yet.
CREATE INDEX remote_actors_by_host ON remote_actors (host, ap_id);
