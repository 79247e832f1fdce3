-- Readers who ticked "email me" on a comment. The address is the comment's own; address_key is
-- a keyed hash of it, so that one address's subscriptions, its confirmation and a do-not-mail
-- entry are found together without a second copy of the address.
-- status: requested (the comment is not published yet), waiting (published, not confirmed),
-- active (confirmed: replies are mailed), ended (unsubscribed, expired, bounced).
CREATE TABLE subscriptions (
    id           INTEGER PRIMARY KEY,
    comment_id   INTEGER NOT NULL UNIQUE REFERENCES comments (id),
    address_key  TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'requested'
                 CHECK (status IN ('requested', 'waiting', 'active', 'ended')),
    created_at   REAL NOT NULL,
    published_at REAL,
    confirmed_at REAL,
    ended_at     REAL
);

CREATE INDEX subscriptions_by_address ON subscriptions (address_key, status);

-- Emailed tokens are random and kept only as their SHA-256: the database holds nothing that
-- confirms or unsubscribes anyone, and no token depends on the secret key.
CREATE TABLE subscription_confirmations (
    token_hash  TEXT PRIMARY KEY,
    address_key TEXT NOT NULL,
    created_at  REAL NOT NULL,
    used_at     REAL
);

CREATE INDEX confirmations_by_address ON subscription_confirmations (address_key, created_at);

-- When each address was last sent a confirmation: one row per address, so that two approvals at
-- once (two instances, PostgreSQL) take turns on it and only one of them sends the day's mail.
CREATE TABLE confirmation_marks (
    address_key TEXT PRIMARY KEY,
    sent_at     REAL NOT NULL
);

CREATE TABLE unsubscribe_links (
    token_hash      TEXT PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    created_at      REAL NOT NULL
);

CREATE INDEX unsubscribe_links_by_subscription ON unsubscribe_links (subscription_id);

-- "Never email me again": kept as the keyed hash only, and outlives `moderation forget`.
CREATE TABLE do_not_mail (
    address_key TEXT PRIMARY KEY,
    created_at  REAL NOT NULL
);
