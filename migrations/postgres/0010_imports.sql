-- What an import brought in, by the source's own id: a second run of the same file skips it.
-- No foreign key: a comment removed by `moderation forget` stays remembered, so that a later
-- import does not bring it back.
CREATE TABLE imported (
    source     TEXT NOT NULL,       -- disqus, wxr, isso, jsonl
    source_id  TEXT NOT NULL,
    comment_id bigint NOT NULL,
    PRIMARY KEY (source, source_id)
);
