-- Moderators sign in with an emailed link and keep a session on the server. Neither table
-- holds a secret: the emailed token is this row's id signed with the secret key, and a session
-- row is keyed by a hash of the random value in the cookie.
CREATE TABLE signin_links (
    id         text PRIMARY KEY,    -- random; the token in the mail signs it
    moderator  text NOT NULL,
    created_at double precision NOT NULL,
    expires_at double precision NOT NULL,
    used_at    double precision     -- set once, by the POST that signs in
);

CREATE TABLE moderator_sessions (
    id         text PRIMARY KEY,    -- SHA-256 of the cookie's value
    moderator  text NOT NULL,
    created_at double precision NOT NULL,
    seen_at    double precision NOT NULL,
    flash      text                 -- what the last decision did (JSON), shown once
);

-- Replies the site posts from the queue: readers see them marked as the site's.
ALTER TABLE comments ADD COLUMN by_site boolean NOT NULL DEFAULT false;

-- The queue lists one state at a time, by age, a page at a time.
CREATE INDEX comments_by_status ON comments (status, created_at, id);
