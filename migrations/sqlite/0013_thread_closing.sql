-- Closing threads. The state lives on the threads row, which every read of a thread (its
-- version, the ETag) and every submission already finds by its unique key: whether a thread is
-- closed costs no further lookup. A thread closed ahead of its first comment gets a row of its own.
--
-- first_comment_at: when the thread's first comment arrived (any status; an imported one at its
-- own time), from which MODERATION_CLOSE_AFTER_DAYS counts. by_hand: `moderation threads close`
-- or `open`, which wins over the age; NULL follows the age.
ALTER TABLE threads ADD COLUMN first_comment_at REAL;
ALTER TABLE threads ADD COLUMN by_hand TEXT CHECK (by_hand IN ('closed', 'open'));
UPDATE threads SET first_comment_at = (SELECT MIN(c.created_at) FROM comments c WHERE c.thread_id = threads.id);
