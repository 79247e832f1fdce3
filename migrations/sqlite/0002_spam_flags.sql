-- Why a comment was held for a closer look or kept as spam, for moderators; '' when nothing.
ALTER TABLE comments ADD COLUMN flags TEXT NOT NULL DEFAULT '';
