-- Amendments and cancellations (docs/formats/findings.md): the versions an amendment superseded, kept for audit, and
-- every amendment received: applied (applied_to names the declaration) or pending until the declaration it names
-- arrives (applied_to null). The same amendment received again is a duplicate.
CREATE TABLE declaration_versions (
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    version INTEGER NOT NULL,
    superseded_at TEXT NOT NULL,
    superseded_by TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (declaration_id, version)
);

CREATE TABLE declaration_amendments (
    id TEXT NOT NULL PRIMARY KEY,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_file TEXT NOT NULL,
    reason TEXT,
    document TEXT NOT NULL,
    applied_to TEXT,
    applied_at TEXT
);
CREATE INDEX declaration_amendments_reference ON declaration_amendments (reference, id);
