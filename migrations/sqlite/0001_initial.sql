-- Threads are the pages comments belong to. `version` changes whenever the list of approved
-- comments does, so it can serve as the ETag without reading the comments.
CREATE TABLE threads (
    id       INTEGER PRIMARY KEY,
    key      TEXT NOT NULL UNIQUE,
    title    TEXT NOT NULL DEFAULT '',
    version  INTEGER NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
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
    decided_by  TEXT
);

CREATE INDEX comments_by_thread ON comments (thread_id, status, id);

-- One row per email to send, written in the same transaction as its comment.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    comment_id      INTEGER NOT NULL REFERENCES comments (id),
    recipient       TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_until   REAL,               -- a sender is working on it until then
    last_error      TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL
);

CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at);
