-- "My data": a reader asks at /mydata for a link to what is kept under an address. One row per
-- address (address_key: its index, as comments.email_index), so that at most one link a day is
-- mailed however many instances take requests: a new request claims the row only once the last
-- one is a day old. The link's token is random and kept only as its SHA-256; the address is
-- sealed under the row's id, for the link's page to show. Erasing the address empties both and
-- keeps the mark (the index and the time) until its day is over.
CREATE TABLE data_links (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address_key  text NOT NULL UNIQUE,
    address      text NOT NULL,          -- sealed (sealer.py); '' once erased
    token_hash   text UNIQUE,            -- NULL once erased
    created_at   double precision NOT NULL
);

CREATE INDEX data_links_by_time ON data_links (created_at);
