-- Records this node made to share beyond declarations (seizure reports, risk results, AEO status, alerts), and the
-- messages their subscriptions pushed to partners.
CREATE TABLE shared_records (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by TEXT NOT NULL,
    document TEXT NOT NULL,
    pushed TEXT NOT NULL
);
CREATE INDEX shared_records_kind ON shared_records (kind, recorded_at);
