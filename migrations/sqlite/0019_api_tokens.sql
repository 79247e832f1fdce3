-- Bearer tokens of the moderation API (`moderation tokens create NAME`): only a hash of each is
-- kept, so the database holds nothing a script could use. Revoking deletes the row.
CREATE TABLE api_tokens (
    name         TEXT PRIMARY KEY,      -- the audit log's actor for what the token decides
    token_hash   TEXT NOT NULL UNIQUE,  -- SHA-256 of the token, hex
    created_at   REAL NOT NULL,
    last_used_at REAL
);

-- The audit log names a new channel, `api`. SQLite cannot change a CHECK constraint in place: the
-- table is rebuilt with every row, index and trigger as they were (migrations run with foreign
-- keys off, and each is checked against them before it commits).
CREATE TABLE audit_log_new (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL,       -- no foreign key: the entry outlives a forgotten comment
    from_status TEXT CHECK (from_status IN ('pending', 'approved', 'rejected', 'spam')),  -- NULL: new
    to_status   TEXT NOT NULL CHECK (to_status IN ('pending', 'approved', 'rejected', 'spam', 'removed')),
    actor       TEXT NOT NULL,          -- a moderator's address, 'system', 'cli' or a token's name
    channel     TEXT NOT NULL CHECK (channel IN
                ('submission', 'email_link', 'digest_link', 'queue', 'cli', 'import', 'retention', 'api')),
    at          REAL NOT NULL
);

INSERT INTO audit_log_new (id, comment_id, from_status, to_status, actor, channel, at)
SELECT id, comment_id, from_status, to_status, actor, channel, at FROM audit_log;

DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
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
