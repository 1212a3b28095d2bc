-- Mirror checks (docs/mirror.md): each import paired with a partner's export of the same consignment, with both sides'
-- totals for the statistics and the discrepancies found (also written as findings into the import declaration).
CREATE TABLE mirror_pairs (
    import_id TEXT NOT NULL PRIMARY KEY,
    partner TEXT NOT NULL,
    message_id TEXT NOT NULL,
    export_mrn TEXT,
    match_key TEXT NOT NULL,
    matched_at TEXT NOT NULL,
    month TEXT NOT NULL,
    hs6 TEXT,
    currency TEXT,
    export_value NUMERIC,
    import_value NUMERIC,
    export_mass NUMERIC,
    import_mass NUMERIC,
    discrepancies TEXT NOT NULL,
    codes TEXT NOT NULL
);
CREATE INDEX mirror_pairs_partner ON mirror_pairs (partner, month, hs6);
CREATE INDEX mirror_pairs_message ON mirror_pairs (message_id);
