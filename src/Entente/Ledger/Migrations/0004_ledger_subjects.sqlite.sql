-- Which ledger entries concern which subject: derived from each entry's "subjects" list, written in the entry's own
-- transaction, so the accountability query finds a party's or a declaration's entries without reading the log.
-- A party is filed under its keyed tag (docs/ledger.md), never its identifier.
CREATE TABLE ledger_subjects (
    subject TEXT NOT NULL,
    idx INTEGER NOT NULL REFERENCES ledger_entries (idx),
    PRIMARY KEY (subject, idx)
) WITHOUT ROWID;
