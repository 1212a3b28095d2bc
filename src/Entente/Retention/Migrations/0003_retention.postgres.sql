-- Declarations whose retention ran out under a rule that says review rather than erase: held until an officer
-- decides. An erased declaration leaves no row anywhere; its erasure is an entry in the ledger.
CREATE TABLE retention_reviews (
    declaration_id TEXT NOT NULL PRIMARY KEY REFERENCES declarations (id),
    due_at timestamptz NOT NULL,
    flagged_at timestamptz NOT NULL,
    rule TEXT NOT NULL
);
