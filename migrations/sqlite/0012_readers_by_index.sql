-- The readers' tables find an address by its index (HMAC-SHA256 under MODERATION_INDEX_KEY, as
-- comments.email_index) instead of a keyed hash under the secret key. The rows already here are
-- marked legacy; the data step that runs after this file (store/legacy.py) re-keys those whose
-- address their comment still holds. Do-not-mail entries of forgotten addresses stay legacy.
ALTER TABLE subscriptions ADD COLUMN legacy BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE subscription_confirmations ADD COLUMN legacy BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE confirmation_marks ADD COLUMN legacy BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE do_not_mail ADD COLUMN legacy BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE subscriptions SET legacy = TRUE;
UPDATE subscription_confirmations SET legacy = TRUE;
UPDATE confirmation_marks SET legacy = TRUE;
UPDATE do_not_mail SET legacy = TRUE;
