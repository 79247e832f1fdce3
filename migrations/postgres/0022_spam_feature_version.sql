-- Which features the spam classifier's counts were made with (VERSION in
-- moderation/classifier/features.py): a start that finds another version rebuilds the counts
-- from the audit log, since keys of other features would count nothing the service looks at.
-- Version 1 is what the counts of 0018 were made with.
CREATE TABLE spam_feature_version (
    version integer NOT NULL
);

INSERT INTO spam_feature_version (version) VALUES (1);
