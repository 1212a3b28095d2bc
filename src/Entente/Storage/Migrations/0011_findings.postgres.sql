-- Findings (docs/formats/findings.md): the full findings are in each declaration's document; this side table holds
-- their codes, keyed like containers, for search (declarations search --finding CODE).
CREATE TABLE declaration_findings (
    code text COLLATE "C" NOT NULL,
    declaration_key bigint NOT NULL REFERENCES declarations (key),
    PRIMARY KEY (code, declaration_key)
);
