-- A digest of each body, indexed by thread: finding the same text twice on a page (a spam
-- check run on every submission) then costs one index lookup, however long the thread.
ALTER TABLE comments ADD COLUMN body_digest TEXT;
CREATE INDEX comments_by_body ON comments (thread_id, body_digest);
