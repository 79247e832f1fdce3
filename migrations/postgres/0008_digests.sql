-- Digests. Past the burst cap, a moderator's mail about one comment is not sent but folded
-- into the hour's digest: a status of its own, with sent_at as the time it was folded.
ALTER TYPE outbox_status ADD VALUE 'folded';
COMMENT ON COLUMN outbox.sent_at IS 'when it was sent, or folded';
-- How many mails one moderator got this hour (the burst cap), and which were folded: rows enter
-- this index only once sent or folded, so writing a submission's mail costs nothing more.
CREATE INDEX outbox_done_by_recipient ON outbox (recipient, status, sent_at) WHERE sent_at IS NOT NULL;

-- Each moderator's latest digest: it covered what arrived before `covered_until` (Unix seconds),
-- so only what arrives after that is new to them.
CREATE TABLE digest_marks (
    moderator     text PRIMARY KEY,
    covered_until double precision NOT NULL
);
