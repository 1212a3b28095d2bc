-- API keys (issue 15): an expiry date, revocation and the last use of each user's key; keys retired by a rotation
-- or a revocation are kept (by their SHA-256 only) so that a request with one is told so, not "unknown key".
ALTER TABLE api_users ADD COLUMN key_expires_at TEXT;
ALTER TABLE api_users ADD COLUMN revoked_at TEXT;
ALTER TABLE api_users ADD COLUMN last_used_at TEXT;

CREATE TABLE api_retired_keys (
    key_hash TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('rotated', 'revoked')),
    retired_at TEXT NOT NULL
);
