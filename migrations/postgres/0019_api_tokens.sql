-- Bearer tokens of the moderation API (`moderation tokens create NAME`): only a hash of each is
-- kept, so the database holds nothing a script could use. Revoking deletes the row.
CREATE TABLE api_tokens (
    name         text PRIMARY KEY,      -- the audit log's actor for what the token decides
    token_hash   text NOT NULL UNIQUE,  -- SHA-256 of the token, hex
    created_at   double precision NOT NULL,
    last_used_at double precision
);

-- The audit log names a new channel, `api` (not used in this transaction, as PostgreSQL asks).
ALTER TYPE audit_channel ADD VALUE 'api';
