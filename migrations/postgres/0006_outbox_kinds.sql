-- The outbox carries every kind of mail, not only "a comment waits": a kind, what the mail
-- needs beyond its comment (JSON), and an optional key that makes a mail unique (a digest per
-- moderator and period, written once however many instances try).
ALTER TABLE outbox ADD COLUMN kind text NOT NULL DEFAULT 'new_comment';
ALTER TABLE outbox ALTER COLUMN comment_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN payload text NOT NULL DEFAULT '{}';
ALTER TABLE outbox ADD COLUMN dedupe text UNIQUE;
CREATE INDEX outbox_by_comment ON outbox (comment_id);
