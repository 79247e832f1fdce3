-- Addresses are sealed (AES-GCM, moderation/sealing.py) and found through a keyed hash of the
-- normalised address. Existing rows get both in the data step that runs after this file
-- (store/sealed.py): a row whose index is NULL still holds its address in clear.
ALTER TABLE comments ADD COLUMN email_index TEXT;
ALTER TABLE outbox ADD COLUMN recipient_index TEXT;
CREATE INDEX comments_by_email_index ON comments (email_index);
DROP INDEX outbox_done_by_recipient;
CREATE INDEX outbox_done_by_recipient ON outbox (recipient_index, status, sent_at) WHERE sent_at IS NOT NULL;

-- Values that tell at start-up whether the configured keys are the ones the rows were written with.
CREATE TABLE sealing_checks (
    purpose TEXT PRIMARY KEY,
    value   TEXT NOT NULL
);
