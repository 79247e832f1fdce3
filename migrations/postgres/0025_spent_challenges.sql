-- Proofs of work already taken (MODERATION_CHALLENGE): a solution is taken once. Its challenge's
-- hash is the key, so a second use fails on it, whichever instance sharing the database it
-- reaches. A row goes once its challenge has expired (retention.py): no solution of it is taken
-- after that anyway.
CREATE TABLE spent_challenges (
    challenge  text PRIMARY KEY,            -- SHA-256 hex of the challenge's salt and number, as ALTCHA makes it
    expires_at double precision NOT NULL    -- Unix seconds, from the challenge's signed salt
);
CREATE INDEX spent_challenges_by_expiry ON spent_challenges (expires_at);
