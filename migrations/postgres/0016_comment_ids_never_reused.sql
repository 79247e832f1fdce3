-- A comment's id is never used again. The identity column's sequence only moves forward and
-- nothing here inserts an id of its own; should a restore have set the sequence back all the
-- same, it moves past every id ever handed out, removed comments' too (the audit log and the
-- import ledger remember those).
SELECT setval(pg_get_serial_sequence('comments', 'id')::regclass, used)
FROM (SELECT GREATEST((SELECT MAX(id) FROM comments), (SELECT MAX(comment_id) FROM audit_log),
                      (SELECT MAX(comment_id) FROM imported)) AS used) AS ever
WHERE used > COALESCE(pg_sequence_last_value(pg_get_serial_sequence('comments', 'id')::regclass), 0);
