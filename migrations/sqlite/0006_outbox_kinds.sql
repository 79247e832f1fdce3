-- The outbox carries every kind of mail, not only "a comment waits": a kind, what the mail
-- needs beyond its comment (JSON), and an optional key that makes a mail unique (a digest per
-- moderator and period, written once however many instances try). SQLite cannot drop NOT NULL
-- from comment_id in place, so the table is rebuilt.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL DEFAULT 'new_comment',
    comment_id      INTEGER REFERENCES comments (id),   -- NULL: a mail about no one comment
    recipient       TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    dedupe          TEXT UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_by      TEXT,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL
);

INSERT INTO outbox_new (id, comment_id, recipient, status, attempts, next_attempt_at, claimed_by, last_error,
                        created_at, sent_at)
SELECT id, comment_id, recipient, status, attempts, next_attempt_at, claimed_by, last_error, created_at, sent_at
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_comment ON outbox (comment_id);
