-- The queue's orders by spam score (sort=likely_ok, sort=likely_spam), each with its tab and its
-- cursor's tie-break: the very expressions the queue sorts by, so that a page is read in index
-- order. A comment never scored (NULL) is keyed past every score (0 to 1): last in both.
CREATE INDEX comments_by_score ON comments (status, COALESCE(spam_score, 2), id);
CREATE INDEX comments_by_score_desc ON comments (status, COALESCE(-spam_score, 1), id);

-- The replies under a comment: whether the site has answered it (filter=unanswered).
CREATE INDEX comments_by_parent ON comments (parent_id);

-- Whether a reader's comment asks something (moderation/questions.py), judged when it is written;
-- NULL until judged: the start after this migration judges the comments written before it.
ALTER TABLE comments ADD COLUMN asks_question BOOLEAN;
