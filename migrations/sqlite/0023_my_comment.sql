-- "My comment": a commenter's private link withdraws, edits or deletes their own comment.
-- Two new states, `withdrawn` (taken back while pending) and `deleted` (taken down once
-- published: the row stays, emptied, as the place its replies hang from), and a new audit
-- channel, `author`. SQLite cannot change a CHECK constraint in place: both tables are rebuilt
-- with every row, index and trigger as they were (migrations run with foreign keys off, and each
-- is checked against them before it commits). `edited_at`: when the author last edited it.
CREATE TABLE comments_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id       INTEGER NOT NULL REFERENCES threads (id),
    parent_id       INTEGER REFERENCES comments (id),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'spam', 'withdrawn', 'deleted')),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL,          -- private: never leaves through a public answer
    website         TEXT NOT NULL DEFAULT '',
    avatar          TEXT NOT NULL,          -- keyed hash of the normalised address
    body            TEXT NOT NULL,
    body_html       TEXT NOT NULL,          -- rendered and sanitised once, at submission
    remote_addr     TEXT NOT NULL DEFAULT '',
    created_at      REAL NOT NULL,          -- Unix seconds, UTC
    decided_at      REAL,
    decided_by      TEXT,
    body_digest     TEXT,
    by_site         INTEGER NOT NULL DEFAULT 0 CHECK (by_site IN (0, 1)),
    email_index     TEXT,
    lang            TEXT,
    submitted_title TEXT NOT NULL DEFAULT '',
    spam_score      REAL,
    spam_verdict    TEXT CHECK (spam_verdict IN ('likely_spam', 'unsure', 'likely_ok')),
    spam_reasons    TEXT NOT NULL DEFAULT '[]',
    taught          TEXT CHECK (taught IN ('spam', 'ham')),
    holds           TEXT NOT NULL DEFAULT '[]',
    asks_question   BOOLEAN,
    edited_at       REAL
);

INSERT INTO comments_new (id, thread_id, parent_id, status, name, email, website, avatar, body, body_html,
                          remote_addr, created_at, decided_at, decided_by, body_digest, by_site, email_index,
                          lang, submitted_title, spam_score, spam_verdict, spam_reasons, taught, holds,
                          asks_question)
SELECT id, thread_id, parent_id, status, name, email, website, avatar, body, body_html,
       remote_addr, created_at, decided_at, decided_by, body_digest, by_site, email_index,
       lang, submitted_title, spam_score, spam_verdict, spam_reasons, taught, holds, asks_question
FROM comments;

DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE INDEX comments_by_thread ON comments (thread_id, status, id);
CREATE INDEX comments_by_body ON comments (thread_id, body_digest);
CREATE INDEX comments_by_status ON comments (status, created_at, id);
CREATE INDEX comments_by_email_index ON comments (email_index);
CREATE INDEX comments_by_score ON comments (status, COALESCE(spam_score, 2), id);
CREATE INDEX comments_by_score_desc ON comments (status, COALESCE(-spam_score, 1), id);
CREATE INDEX comments_by_parent ON comments (parent_id);

-- As 0016: the next id comes after every id ever handed out, removed comments' too.
DELETE FROM sqlite_sequence WHERE name = 'comments';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'comments', MAX(COALESCE((SELECT MAX(id) FROM comments), 0),
                       COALESCE((SELECT MAX(comment_id) FROM audit_log), 0),
                       COALESCE((SELECT MAX(comment_id) FROM imported), 0));

CREATE TABLE audit_log_new (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL,       -- no foreign key: the entry outlives a forgotten comment
    from_status TEXT CHECK (from_status IN ('pending', 'approved', 'rejected', 'spam', 'withdrawn', 'deleted')),  -- NULL: new
    to_status   TEXT NOT NULL CHECK (to_status IN
                ('pending', 'approved', 'rejected', 'spam', 'removed', 'withdrawn', 'deleted')),
    actor       TEXT NOT NULL,          -- a moderator's address, 'system', 'cli', 'author' or a token's name
    channel     TEXT NOT NULL CHECK (channel IN
                ('submission', 'email_link', 'digest_link', 'queue', 'cli', 'import', 'retention', 'api', 'author')),
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

-- The private links of "my comment": only a hash of each token is kept, and none names an address.
-- One from the submission's answer, one more from each "published" mail.
CREATE TABLE author_links (
    token_hash TEXT PRIMARY KEY,        -- SHA-256 of the token, hex
    comment_id INTEGER NOT NULL REFERENCES comments (id),
    created_at REAL NOT NULL
);
CREATE INDEX author_links_by_comment ON author_links (comment_id);
