-- Declarations with the columns search and duplicate detection need; the canonical JSON is the record.
-- Dates are ISO 8601 text (yyyy-MM-dd), times ISO 8601 text with offset, amounts NUMERIC affinity.
-- key is the row's own number (the rowid), which the side tables refer to: a few bytes in their keys and indexes
-- instead of the 36-character id, which is what the node shows.
CREATE TABLE declarations (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    lrn TEXT,
    mrn TEXT,
    declarant_id TEXT,
    type_code TEXT,
    function_code TEXT,
    status INTEGER NOT NULL,
    declaration_date TEXT,
    importer_id TEXT,
    items INTEGER NOT NULL,
    total_value NUMERIC,
    currency TEXT,
    received_at TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source_file TEXT NOT NULL,
    document TEXT NOT NULL
);

CREATE UNIQUE INDEX declarations_mrn ON declarations (mrn) WHERE mrn IS NOT NULL;
-- One index answers both "this LRN" (search) and "this LRN from this declarant" (the duplicate rule).
CREATE UNIQUE INDEX declarations_lrn ON declarations (lrn, coalesce(declarant_id, '')) WHERE lrn IS NOT NULL;
CREATE INDEX declarations_date ON declarations (declaration_date, id);
CREATE INDEX declarations_status ON declarations (status, id);

-- Side tables searched by party or container are keyed by it (WITHOUT ROWID): one b-tree each, no separate index.
CREATE TABLE declaration_parties (
    party_id TEXT NOT NULL,
    declaration_key INTEGER NOT NULL REFERENCES declarations (key),
    role TEXT NOT NULL,
    PRIMARY KEY (party_id, declaration_key, role)
) WITHOUT ROWID;

CREATE TABLE goods_items (
    declaration_key INTEGER NOT NULL REFERENCES declarations (key),
    sequence INTEGER NOT NULL,
    hs_code TEXT,
    origin TEXT,
    value NUMERIC,
    currency TEXT
);
CREATE INDEX goods_items_hs_code ON goods_items (hs_code, declaration_key);
CREATE INDEX goods_items_origin ON goods_items (origin, declaration_key);

CREATE TABLE containers (
    container_id TEXT NOT NULL,
    declaration_key INTEGER NOT NULL REFERENCES declarations (key),
    PRIMARY KEY (container_id, declaration_key)
) WITHOUT ROWID;

-- Every status move after the first: the received event is the declaration's received_at and source_file.
CREATE TABLE status_events (
    id INTEGER PRIMARY KEY,
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    at TEXT NOT NULL,
    from_status INTEGER,
    to_status INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX status_events_declaration ON status_events (declaration_id, id);

-- Inspection outcomes delivered with historical data: never part of the declaration document.
CREATE TABLE inspection_labels (
    declaration_key INTEGER PRIMARY KEY REFERENCES declarations (key),
    fraud INTEGER NOT NULL,
    critical_fraud INTEGER,
    revenue NUMERIC
);

CREATE TABLE api_users (
    name TEXT NOT NULL PRIMARY KEY,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    authority TEXT,
    created_at TEXT NOT NULL
);
