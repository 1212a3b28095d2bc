-- API keys (issue 15): an expiry date, revocation and the last use of each user's key; keys retired by a rotation
-- or a revocation are kept (by their SHA-256 only) so that a request with one is told so, not "unknown key".
ALTER TABLE api_users ADD COLUMN key_expires_at timestamptz;
ALTER TABLE api_users ADD COLUMN revoked_at timestamptz;
ALTER TABLE api_users ADD COLUMN last_used_at timestamptz;

CREATE TABLE api_retired_keys (
    key_hash text NOT NULL PRIMARY KEY,
    name text NOT NULL,
    reason text NOT NULL CHECK (reason IN ('rotated', 'revoked')),
    retired_at timestamptz NOT NULL
);
