-- Amendments and cancellations (docs/formats/findings.md): the versions an amendment superseded, kept for audit, and
-- every amendment received: applied (applied_to names the declaration) or pending until the declaration it names
-- arrives (applied_to null). The same amendment received again is a duplicate.
CREATE TABLE declaration_versions (
    declaration_id text COLLATE "C" NOT NULL REFERENCES declarations (id),
    version integer NOT NULL,
    superseded_at timestamptz NOT NULL,
    superseded_by text NOT NULL,
    document text NOT NULL,
    PRIMARY KEY (declaration_id, version)
);

CREATE TABLE declaration_amendments (
    id text COLLATE "C" NOT NULL PRIMARY KEY,
    reference text NOT NULL,
    kind text NOT NULL,
    received_at timestamptz NOT NULL,
    source_format text NOT NULL,
    source_file text NOT NULL,
    reason text,
    document text NOT NULL,
    applied_to text,
    applied_at timestamptz
);
CREATE INDEX declaration_amendments_reference ON declaration_amendments (reference, id);
