-- What held a comment or sent it to spam, as a JSON list of {"kind", "detail"} (moderation/holds.py),
-- in place of the free text of `flags`. What older versions wrote there is kept whole, as one hold
-- of the kind `check`; `flags` goes, so that the holds are said in one place only.
ALTER TABLE comments ADD COLUMN holds TEXT NOT NULL DEFAULT '[]';
UPDATE comments SET holds = json_array(json_object('kind', 'check', 'detail', flags)) WHERE flags != '';
ALTER TABLE comments DROP COLUMN flags;
