-- One row per webhook to deliver: an event about a comment, for one URL, written in the same
-- transaction as the change it tells of. The body is stored as it will be sent, so that every
-- try sends the same bytes (only the signature, made at sending, changes). Claimed, retried and
-- given up like the outbox's mail, by the senders of the senders table.
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    event           TEXT NOT NULL,
    comment_id      INTEGER REFERENCES comments (id),
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    claimed_by      TEXT,
    last_error      TEXT,
    created_at      REAL NOT NULL,
    sent_at         REAL
);

CREATE INDEX webhook_outbox_by_status ON webhook_outbox (status, next_attempt_at);
CREATE INDEX webhook_outbox_by_comment ON webhook_outbox (comment_id);
