-- One row per webhook to deliver: an event about a comment, for one URL, written in the same
-- transaction as the change it tells of. The body is stored as it will be sent, so that every
-- try sends the same bytes (only the signature, made at sending, changes). Claimed, retried and
-- given up like the outbox's mail, by the senders of the senders table.
CREATE TABLE webhook_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             text NOT NULL,
    event           text NOT NULL,
    comment_id      bigint REFERENCES comments (id),
    body            text NOT NULL,
    status          outbox_status NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at double precision NOT NULL,
    claimed_by      text,
    last_error      text,
    created_at      double precision NOT NULL,
    sent_at         double precision
);

CREATE INDEX webhook_outbox_by_status ON webhook_outbox (status, next_attempt_at);
CREATE INDEX webhook_outbox_by_comment ON webhook_outbox (comment_id);
