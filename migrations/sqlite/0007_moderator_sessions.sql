-- Moderators sign in with an emailed link and keep a session on the server. Neither table
-- holds a secret: the emailed token is this row's id signed with the secret key, and a session
-- row is keyed by a hash of the random value in the cookie.
CREATE TABLE signin_links (
    id         TEXT PRIMARY KEY,    -- random; the token in the mail signs it
    moderator  TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at    REAL                 -- set once, by the POST that signs in
);

CREATE TABLE moderator_sessions (
    id         TEXT PRIMARY KEY,    -- SHA-256 of the cookie's value
    moderator  TEXT NOT NULL,
    created_at REAL NOT NULL,
    seen_at    REAL NOT NULL,
    flash      TEXT                 -- what the last decision did (JSON), shown once
);

-- Replies the site posts from the queue: readers see them marked as the site's.
ALTER TABLE comments ADD COLUMN by_site INTEGER NOT NULL DEFAULT 0 CHECK (by_site IN (0, 1));

-- The queue lists one state at a time, by age, a page at a time.
CREATE INDEX comments_by_status ON comments (status, created_at, id);
