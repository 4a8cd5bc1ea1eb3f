-- Covering indexes for resolving an audience (storage/repos/follows.py list_follower_inboxes and
-- list_follower_recipients): every published activity reads its actors' accepted followers and
-- their inboxes. With 10,000 followers that read took ~45 ms, most of it visiting table rows
-- (a remote actor's row carries its key); from these indexes alone, ~15 ms (bench, issue 4).
CREATE INDEX followers_accepted ON followers (local_actor, state, accepted_at, follower_ap_id)
    WHERE state = 'accepted';
CREATE INDEX remote_actors_recipient
    ON remote_actors (ap_id, is_gone, shared_inbox, inbox, host, type);
