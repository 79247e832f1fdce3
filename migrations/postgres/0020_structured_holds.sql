-- What held a comment or sent it to spam, as a JSON list of {"kind", "detail"} (moderation/holds.py),
-- in place of the free text of `flags`. What older versions wrote there is kept whole, as one hold
-- of the kind `check`; `flags` goes, so that the holds are said in one place only.
ALTER TABLE comments ADD COLUMN holds text NOT NULL DEFAULT '[]';
UPDATE comments SET holds = json_build_array(json_build_object('kind', 'check', 'detail', flags))::text WHERE flags <> '';
ALTER TABLE comments DROP COLUMN flags;
