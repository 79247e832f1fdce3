-- The title a commenter sent for the page stays with the comment, for moderators to see; the
-- thread's own title (what feeds, reader mail and webhooks show) is set only by an approved
-- comment or by `moderation threads title`, never by a submission. Rows from before: unknown, ''.
ALTER TABLE comments ADD COLUMN submitted_title TEXT NOT NULL DEFAULT '';

-- Until now every submission set the thread's title: where no comment was ever approved, the
-- title came from one nobody approved, and it goes.
UPDATE threads SET title = '' WHERE approved = 0;
