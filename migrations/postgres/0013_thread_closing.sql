-- Closing threads: the same columns as migrations/sqlite/0013_thread_closing.sql. The state
-- lives on the threads row, which every read of a thread and every submission already finds by
-- its unique key; a thread closed ahead of its first comment gets a row of its own.
--
-- first_comment_at: when the thread's first comment arrived (any status; an imported one at its
-- own time), from which MODERATION_CLOSE_AFTER_DAYS counts. by_hand: `moderation threads close`
-- or `open`, which wins over the age; NULL follows the age.
CREATE TYPE thread_by_hand AS ENUM ('closed', 'open');
ALTER TABLE threads ADD COLUMN first_comment_at double precision;
ALTER TABLE threads ADD COLUMN by_hand thread_by_hand;
UPDATE threads SET first_comment_at = (SELECT MIN(c.created_at) FROM comments c WHERE c.thread_id = threads.id);
