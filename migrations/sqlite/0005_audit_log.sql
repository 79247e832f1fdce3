-- The audit log: one entry per new comment and per change of a comment's state, written in the
-- same transaction as the change. Entries are never changed or deleted: the triggers refuse it.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL,       -- no foreign key: the entry outlives a forgotten comment
    from_status TEXT CHECK (from_status IN ('pending', 'approved', 'rejected', 'spam')),  -- NULL: new
    to_status   TEXT NOT NULL CHECK (to_status IN ('pending', 'approved', 'rejected', 'spam', 'removed')),
    actor       TEXT NOT NULL,          -- a moderator's address, 'system' or 'cli'
    channel     TEXT NOT NULL CHECK (channel IN
                ('submission', 'email_link', 'digest_link', 'queue', 'cli', 'import', 'retention')),
    at          REAL NOT NULL
);

CREATE INDEX audit_log_by_comment ON audit_log (comment_id, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- A moderator's reason may speak of the commenter: it lives beside the entry, so that
-- `moderation forget` can remove it while the entry stays.
CREATE TABLE audit_reasons (
    entry_id INTEGER PRIMARY KEY REFERENCES audit_log (id),
    reason   TEXT NOT NULL
);

-- Comments from before the log: their arrival, and the decision the comments table remembers.
INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at)
SELECT id, NULL, CASE WHEN status = 'spam' THEN 'spam' ELSE 'pending' END, 'system', 'submission', created_at
FROM comments ORDER BY id;
INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at)
SELECT id, 'pending', status, decided_by, 'email_link', decided_at
FROM comments WHERE status IN ('approved', 'rejected') AND decided_by IS NOT NULL ORDER BY decided_at;
