-- The language of the page a comment was written on (en, de, ...): the reader's mail about it
-- is written in it. NULL, as for the rows before this and for imports: the site's language
-- (MODERATION_LANGUAGE) at the time the mail is written.
ALTER TABLE comments ADD COLUMN lang TEXT;
