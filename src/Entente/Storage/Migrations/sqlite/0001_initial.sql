-- Declarations with the columns search and duplicate detection need; the canonical JSON is the record.
-- Dates are ISO 8601 text (yyyy-MM-dd), times ISO 8601 text with offset, amounts NUMERIC affinity.
CREATE TABLE declarations (
    id TEXT NOT NULL PRIMARY KEY,
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
CREATE UNIQUE INDEX declarations_declarant_lrn ON declarations (coalesce(declarant_id, ''), lrn) WHERE lrn IS NOT NULL;
CREATE INDEX declarations_lrn ON declarations (lrn) WHERE lrn IS NOT NULL;
CREATE INDEX declarations_date ON declarations (declaration_date, id);
CREATE INDEX declarations_status ON declarations (status, id);

CREATE TABLE declaration_parties (
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    role TEXT NOT NULL,
    party_id TEXT NOT NULL
);
CREATE INDEX declaration_parties_party ON declaration_parties (party_id, declaration_id);

CREATE TABLE goods_items (
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    sequence INTEGER NOT NULL,
    hs_code TEXT,
    origin TEXT,
    value NUMERIC,
    currency TEXT
);
CREATE INDEX goods_items_hs_code ON goods_items (hs_code, declaration_id);
CREATE INDEX goods_items_origin ON goods_items (origin, declaration_id);

CREATE TABLE containers (
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    container_id TEXT NOT NULL
);
CREATE INDEX containers_container ON containers (container_id, declaration_id);

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
    declaration_id TEXT NOT NULL PRIMARY KEY REFERENCES declarations (id),
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
