-- Blinded hit/no-hit (docs/blinded.md): the nonces of partners' signed requests seen within the replay window, so a
-- request replayed (even after a restart) is refused. Rows older than the window are deleted as new ones come.
CREATE TABLE blinded_nonces (
    partner TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (partner, nonce)
);
CREATE INDEX blinded_nonces_seen ON blinded_nonces (seen_at);
