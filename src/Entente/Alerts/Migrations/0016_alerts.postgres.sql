-- Alerts (docs/alerts.md): this node's own, its partners' (received under agreements) and those imported from sanctions
-- lists. The alert as its issuer states it is kept whole in document; the columns are what lists and screening filter
-- on. Days and times are ISO 8601 text (UTC), so they compare as text on both providers.
CREATE TABLE alerts (
    id TEXT NOT NULL PRIMARY KEY,
    issuer TEXT NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    category TEXT NOT NULL,
    action TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    agreement_id TEXT,
    version INTEGER NOT NULL,
    list_key TEXT,
    flagged INTEGER NOT NULL,
    retain_until TEXT,
    recorded_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    document TEXT NOT NULL,
    local TEXT NOT NULL
);
CREATE INDEX alerts_state ON alerts (state, subject_kind, valid_from);
CREATE INDEX alerts_recorded ON alerts (recorded_at);
CREATE INDEX alerts_list ON alerts (list_key);
