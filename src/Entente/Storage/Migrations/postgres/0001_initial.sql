-- Declarations with the columns search and duplicate detection need; the canonical JSON is the record.
-- Keys that are ordered or range-scanned (ids, HS codes) use the "C" collation: byte order, so keyset
-- pagination and HS-prefix ranges use plain b-tree indexes whatever the database's locale.
CREATE TABLE declarations (
    id text COLLATE "C" NOT NULL PRIMARY KEY,
    lrn text,
    mrn text,
    declarant_id text,
    type_code text,
    function_code text,
    status integer NOT NULL,
    declaration_date date,
    importer_id text,
    items integer NOT NULL,
    total_value numeric,
    currency text,
    received_at timestamptz NOT NULL,
    source_format text NOT NULL,
    source_file text NOT NULL,
    -- text, not jsonb: nothing queries inside the document (search uses the columns and side tables), COPY of
    -- the documents takes a third of jsonb's server time (docs/storage.md), and the canonical JSON stays byte for byte.
    document text NOT NULL
);

CREATE UNIQUE INDEX declarations_mrn ON declarations (mrn) WHERE mrn IS NOT NULL;
CREATE UNIQUE INDEX declarations_declarant_lrn ON declarations ((coalesce(declarant_id, '')), lrn) WHERE lrn IS NOT NULL;
CREATE INDEX declarations_lrn ON declarations (lrn) WHERE lrn IS NOT NULL;
CREATE INDEX declarations_date ON declarations (declaration_date, id);
CREATE INDEX declarations_status ON declarations (status, id);

CREATE TABLE declaration_parties (
    declaration_id text COLLATE "C" NOT NULL REFERENCES declarations (id),
    role text NOT NULL,
    party_id text NOT NULL
);
CREATE INDEX declaration_parties_party ON declaration_parties (party_id, declaration_id);

CREATE TABLE goods_items (
    declaration_id text COLLATE "C" NOT NULL REFERENCES declarations (id),
    sequence integer NOT NULL,
    hs_code text COLLATE "C",
    origin text,
    value numeric,
    currency text
);
CREATE INDEX goods_items_hs_code ON goods_items (hs_code, declaration_id);
CREATE INDEX goods_items_origin ON goods_items (origin, declaration_id);

CREATE TABLE containers (
    declaration_id text COLLATE "C" NOT NULL REFERENCES declarations (id),
    container_id text NOT NULL
);
CREATE INDEX containers_container ON containers (container_id, declaration_id);

CREATE TABLE status_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    declaration_id text COLLATE "C" NOT NULL REFERENCES declarations (id),
    at timestamptz NOT NULL,
    from_status integer,
    to_status integer NOT NULL,
    actor text NOT NULL,
    reason text
);
CREATE INDEX status_events_declaration ON status_events (declaration_id, id);

-- Inspection outcomes delivered with historical data: never part of the declaration document.
CREATE TABLE inspection_labels (
    declaration_id text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES declarations (id),
    fraud boolean NOT NULL,
    critical_fraud integer,
    revenue numeric
);

CREATE TABLE api_users (
    name text NOT NULL PRIMARY KEY,
    role text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    authority text,
    created_at timestamptz NOT NULL
);
