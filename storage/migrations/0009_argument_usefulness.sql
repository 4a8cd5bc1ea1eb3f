-- "Useful" marks counted on each argument, kept exact by triggers (issue 3's benchmarks).
-- The proposal page lists each stance's arguments most useful first: counting every
-- argument's marks to sort them cost a proposal with 1,000 arguments milliseconds on every
-- page. With the count stored beside its index, a page is a keyset range of LIMIT rows at
-- any depth. The marks stay the source: the triggers follow every insert and delete.
ALTER TABLE arguments ADD COLUMN useful_count INTEGER NOT NULL DEFAULT 0
    CHECK (useful_count >= 0);

UPDATE arguments SET useful_count =
    (SELECT count(*) FROM argument_marks mk WHERE mk.argument_id = arguments.id);

CREATE TRIGGER argument_marks_counted AFTER INSERT ON argument_marks BEGIN
    UPDATE arguments SET useful_count = useful_count + 1 WHERE id = NEW.argument_id;
END;

CREATE TRIGGER argument_marks_uncounted AFTER DELETE ON argument_marks BEGIN
    UPDATE arguments SET useful_count = useful_count - 1 WHERE id = OLD.argument_id;
END;

CREATE TRIGGER argument_marks_moved AFTER UPDATE OF argument_id ON argument_marks BEGIN
    UPDATE arguments SET useful_count = useful_count - 1 WHERE id = OLD.argument_id;
    UPDATE arguments SET useful_count = useful_count + 1 WHERE id = NEW.argument_id;
END;

-- A stance's listed arguments, most useful first (ties: oldest first).
CREATE INDEX arguments_by_usefulness ON arguments (proposal_id, stance, useful_count DESC, id)
    WHERE hidden_at IS NULL AND withdrawn_at IS NULL;
