-- "My comment": a commenter's private link withdraws, edits or deletes their own comment.
-- Two new states, `withdrawn` (taken back while pending) and `deleted` (taken down once
-- published: the row stays, emptied, as the place its replies hang from), and a new audit
-- channel, `author` (the new values are not used in this transaction, as PostgreSQL asks).
-- `edited_at`: when the author last edited it.
ALTER TYPE comment_status ADD VALUE 'withdrawn';
ALTER TYPE comment_status ADD VALUE 'deleted';
ALTER TYPE audit_channel ADD VALUE 'author';

ALTER TABLE audit_log DROP CONSTRAINT audit_log_to_status_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_to_status_check CHECK (to_status IN
    ('pending', 'approved', 'rejected', 'spam', 'removed', 'withdrawn', 'deleted'));

ALTER TABLE comments ADD COLUMN edited_at double precision;

-- The private links of "my comment": only a hash of each token is kept, and none names an address.
-- One from the submission's answer, one more from each "published" mail.
CREATE TABLE author_links (
    token_hash text PRIMARY KEY,        -- SHA-256 of the token, hex
    comment_id bigint NOT NULL REFERENCES comments (id),
    created_at double precision NOT NULL
);
CREATE INDEX author_links_by_comment ON author_links (comment_id);
