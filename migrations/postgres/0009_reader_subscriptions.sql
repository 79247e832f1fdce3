-- Readers who ticked "email me" on a comment. The address is the comment's own; address_key is
-- a keyed hash of it, so that one address's subscriptions, its confirmation and a do-not-mail
-- entry are found together without a second copy of the address.
-- status: requested (the comment is not published yet), waiting (published, not confirmed),
-- active (confirmed: replies are mailed), ended (unsubscribed, expired, bounced).
CREATE TABLE subscriptions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id   bigint NOT NULL UNIQUE REFERENCES comments (id),
    address_key  text NOT NULL,
    status       text NOT NULL DEFAULT 'requested'
                 CHECK (status IN ('requested', 'waiting', 'active', 'ended')),
    created_at   double precision NOT NULL,
    published_at double precision,
    confirmed_at double precision,
    ended_at     double precision
);

CREATE INDEX subscriptions_by_address ON subscriptions (address_key, status);

-- Emailed tokens are random and kept only as their SHA-256: the database holds nothing that
-- confirms or unsubscribes anyone, and no token depends on the secret key.
CREATE TABLE subscription_confirmations (
    token_hash  text PRIMARY KEY,
    address_key text NOT NULL,
    created_at  double precision NOT NULL,
    used_at     double precision
);

CREATE INDEX confirmations_by_address ON subscription_confirmations (address_key, created_at);

-- When each address was last sent a confirmation: one row per address, so that two approvals at
-- once (two instances, PostgreSQL) take turns on it and only one of them sends the day's mail.
CREATE TABLE confirmation_marks (
    address_key text PRIMARY KEY,
    sent_at     double precision NOT NULL
);

CREATE TABLE unsubscribe_links (
    token_hash      text PRIMARY KEY,
    subscription_id bigint NOT NULL REFERENCES subscriptions (id),
    created_at      double precision NOT NULL
);

CREATE INDEX unsubscribe_links_by_subscription ON unsubscribe_links (subscription_id);

-- "Never email me again": kept as the keyed hash only, and outlives `moderation forget`.
CREATE TABLE do_not_mail (
    address_key text PRIMARY KEY,
    created_at  double precision NOT NULL
);
