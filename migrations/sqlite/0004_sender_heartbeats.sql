-- Claims name the instance that holds them, and each instance records a heartbeat: the mail
-- claimed by an instance that stopped beating is free again in seconds, not after a lease.
CREATE TABLE senders (
    id      TEXT PRIMARY KEY,   -- random, new at every start of a sender
    seen_at REAL NOT NULL       -- its last heartbeat
);

ALTER TABLE outbox DROP COLUMN claimed_until;
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;  -- the sender working on it (senders.id)
