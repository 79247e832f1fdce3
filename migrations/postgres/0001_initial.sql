-- The same schema as migrations/sqlite/0001_initial.sql, in PostgreSQL's words. Times are Unix
-- seconds (double precision) in both, taken from the service's clock.
CREATE TYPE comment_status AS ENUM ('pending', 'approved', 'rejected', 'spam');
CREATE TYPE outbox_status AS ENUM ('pending', 'sent', 'failed');

-- `version` changes whenever the list of approved comments does: it is the ETag.
CREATE TABLE threads (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key      text NOT NULL UNIQUE,
    title    text NOT NULL DEFAULT '',
    version  bigint NOT NULL DEFAULT 0,
    approved integer NOT NULL DEFAULT 0
);

CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    thread_id   bigint NOT NULL REFERENCES threads (id),
    parent_id   bigint REFERENCES comments (id),
    status      comment_status NOT NULL DEFAULT 'pending',
    name        text NOT NULL,
    email       text NOT NULL,          -- private: never leaves through a public answer
    website     text NOT NULL DEFAULT '',
    avatar      text NOT NULL,          -- keyed hash of the normalised address
    body        text NOT NULL,
    body_html   text NOT NULL,          -- rendered and sanitised once, at submission
    remote_addr text NOT NULL DEFAULT '',
    created_at  double precision NOT NULL,
    decided_at  double precision,
    decided_by  text
);

CREATE INDEX comments_by_thread ON comments (thread_id, status, id);

-- One row per email to send, written in the same transaction as its comment. Instances claim
-- rows with FOR UPDATE SKIP LOCKED and a lease (claimed_until).
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    comment_id      bigint NOT NULL REFERENCES comments (id),
    recipient       text NOT NULL,
    status          outbox_status NOT NULL DEFAULT 'pending',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at double precision NOT NULL,
    claimed_until   double precision,
    last_error      text,
    created_at      double precision NOT NULL,
    sent_at         double precision
);

CREATE INDEX outbox_by_status ON outbox (status, next_attempt_at);
