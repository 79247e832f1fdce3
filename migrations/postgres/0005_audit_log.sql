-- The audit log: one entry per new comment and per change of a comment's state, written in the
-- same transaction as the change. Entries are never changed or deleted: the trigger refuses it.
CREATE TYPE audit_channel AS ENUM
    ('submission', 'email_link', 'digest_link', 'queue', 'cli', 'import', 'retention');

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id  bigint NOT NULL,        -- no foreign key: the entry outlives a forgotten comment
    from_status comment_status,         -- NULL: a new comment
    to_status   text NOT NULL CHECK (to_status IN ('pending', 'approved', 'rejected', 'spam', 'removed')),
    actor       text NOT NULL,          -- a moderator's address, 'system' or 'cli'
    channel     audit_channel NOT NULL,
    at          double precision NOT NULL
);

CREATE INDEX audit_log_by_comment ON audit_log (comment_id, id);
CREATE INDEX audit_log_by_time ON audit_log (at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- A moderator's reason may speak of the commenter: it lives beside the entry, so that
-- `moderation forget` can remove it while the entry stays.
CREATE TABLE audit_reasons (
    entry_id bigint PRIMARY KEY REFERENCES audit_log (id),
    reason   text NOT NULL
);

-- Comments from before the log: their arrival, and the decision the comments table remembers.
INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at)
SELECT id, NULL, CASE WHEN status = 'spam' THEN 'spam' ELSE 'pending' END, 'system', 'submission', created_at
FROM comments ORDER BY id;
INSERT INTO audit_log (comment_id, from_status, to_status, actor, channel, at)
SELECT id, 'pending', status::text, decided_by, 'email_link', decided_at
FROM comments WHERE status IN ('approved', 'rejected') AND decided_by IS NOT NULL ORDER BY decided_at;
