-- Digests. Past the burst cap, a moderator's mail about one comment is not sent but folded
-- into the hour's digest: a status of its own, with sent_at as the time it was folded. SQLite
-- cannot change a CHECK in place, so the table is rebuilt.
CREATE TABLE outbox_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL DEFAULT 'new_comment',
    comment_id      INTEGER REFERENCES comments (id),   -- NULL: a mail about no one comment
    recipient       TEXT NOT NULL,
    payload         TEXT NOT NULL DEFAULT '{}',
    dedupe          TEXT UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'folded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_by      TEXT,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL                                -- when it was sent, or folded
);

INSERT INTO outbox_new (id, kind, comment_id, recipient, payload, dedupe, status, attempts, next_attempt_at,
                        claimed_by, last_error, created_at, sent_at)
SELECT id, kind, comment_id, recipient, payload, dedupe, status, attempts, next_attempt_at,
       claimed_by, last_error, created_at, sent_at
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_comment ON outbox (comment_id);
-- How many mails one moderator got this hour (the burst cap), and which were folded: rows enter
-- this index only once sent or folded, so writing a submission's mail costs nothing more.
CREATE INDEX outbox_done_by_recipient ON outbox (recipient, status, sent_at) WHERE sent_at IS NOT NULL;

-- Each moderator's latest digest: it covered what arrived before `covered_until` (Unix seconds),
-- so only what arrives after that is new to them.
CREATE TABLE digest_marks (
    moderator     TEXT PRIMARY KEY,
    covered_until REAL NOT NULL
);
