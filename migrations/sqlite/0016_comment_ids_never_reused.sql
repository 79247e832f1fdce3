-- A comment's id is never used again. Without AUTOINCREMENT, SQLite gave the id of the newest
-- comment, once `moderation forget` had removed it, to the next one: the removed comment's
-- decision links, audit entries and webhooks then named another comment. AUTOINCREMENT can only
-- be had by rebuilding the table, with every row, column and index as they were (migrations
-- run with foreign keys off, and each is checked against them before it commits).
CREATE TABLE comments_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id   INTEGER NOT NULL REFERENCES threads (id),
    parent_id   INTEGER REFERENCES comments (id),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,          -- private: never leaves through a public answer
    website     TEXT NOT NULL DEFAULT '',
    avatar      TEXT NOT NULL,          -- keyed hash of the normalised address
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,          -- rendered and sanitised once, at submission
    remote_addr TEXT NOT NULL DEFAULT '',
    created_at  REAL NOT NULL,          -- Unix seconds, UTC
    decided_at  REAL,
    decided_by  TEXT,
    flags       TEXT NOT NULL DEFAULT '',
    body_digest TEXT,
    by_site     INTEGER NOT NULL DEFAULT 0 CHECK (by_site IN (0, 1)),
    email_index TEXT,
    lang        TEXT
);

INSERT INTO comments_new (id, thread_id, parent_id, status, name, email, website, avatar, body, body_html,
                          remote_addr, created_at, decided_at, decided_by, flags, body_digest, by_site,
                          email_index, lang)
SELECT id, thread_id, parent_id, status, name, email, website, avatar, body, body_html,
       remote_addr, created_at, decided_at, decided_by, flags, body_digest, by_site, email_index, lang
FROM comments;

DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE INDEX comments_by_thread ON comments (thread_id, status, id);
CREATE INDEX comments_by_body ON comments (thread_id, body_digest);
CREATE INDEX comments_by_status ON comments (status, created_at, id);
CREATE INDEX comments_by_email_index ON comments (email_index);

-- The next id comes after every id ever handed out, removed comments' too: the audit log and
-- the import ledger remember those.
DELETE FROM sqlite_sequence WHERE name = 'comments';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'comments', MAX(COALESCE((SELECT MAX(id) FROM comments), 0),
                       COALESCE((SELECT MAX(comment_id) FROM audit_log), 0),
                       COALESCE((SELECT MAX(comment_id) FROM imported), 0));
