-- The partner directory: each partner node's endpoint and certificates (DER; the CA chain as PEM, empty when the
-- partner's certificate is self-issued), trusted when added because an agreement in force lists its key fingerprint.
-- Adding, updating and removing a partner are also entries in the ledger.
CREATE TABLE partners (
    code TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    signing_certificate bytea NOT NULL,
    encryption_certificate bytea NOT NULL,
    chain TEXT NOT NULL,
    added_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
