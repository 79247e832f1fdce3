-- The spam classifier's model: for each feature's key, how many comments that moderators marked
-- as spam, and how many they approved, had it. The row of key 0 counts those comments.
CREATE TABLE spam_features (
    feature bigint PRIMARY KEY,
    spam    integer NOT NULL DEFAULT 0,
    ham     integer NOT NULL DEFAULT 0
);

-- What the classifier made of each comment at submission (NULL: not scored: the site's own,
-- imported, or from before), and what the comment has taught the model, so that a correction
-- undoes exactly that.
ALTER TABLE comments ADD COLUMN spam_score double precision;
ALTER TABLE comments ADD COLUMN spam_verdict text CHECK (spam_verdict IN ('likely_spam', 'unsure', 'likely_ok'));
ALTER TABLE comments ADD COLUMN spam_reasons text NOT NULL DEFAULT '[]';
ALTER TABLE comments ADD COLUMN taught text CHECK (taught IN ('spam', 'ham'));
