-- Screening (docs/alerts.md, "Screening and hits"): every hit with what was checked, the alert, score, explanation,
-- the officer's decision and the action-taken report; which declarations and which alert versions were screened;
-- and the action-taken reports partners sent about this node's alerts. Times are ISO 8601 text (UTC).
CREATE TABLE hits (
    id TEXT NOT NULL PRIMARY KEY,
    alert_id TEXT NOT NULL,
    alert_issuer TEXT NOT NULL,
    alert_source TEXT NOT NULL,
    category TEXT NOT NULL,
    declaration_id TEXT,
    checked TEXT NOT NULL,
    score REAL NOT NULL,
    state TEXT NOT NULL,
    found_at TEXT NOT NULL,
    inform_by TEXT NOT NULL,
    reported_at TEXT,
    document TEXT NOT NULL
);
CREATE UNIQUE INDEX hits_once ON hits (alert_id, declaration_id, checked) WHERE declaration_id IS NOT NULL;
CREATE INDEX hits_state ON hits (state, inform_by);
CREATE INDEX hits_alert ON hits (alert_id);
CREATE INDEX hits_found ON hits (found_at);

CREATE TABLE screened_declarations (
    declaration_id TEXT NOT NULL PRIMARY KEY,
    screened_at TEXT NOT NULL
);

CREATE TABLE screened_alerts (
    alert_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    screened_at TEXT NOT NULL,
    PRIMARY KEY (alert_id, version)
);

CREATE TABLE alert_reports (
    message_id TEXT NOT NULL PRIMARY KEY,
    alert_id TEXT NOT NULL,
    reporter TEXT NOT NULL,
    received_at TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX alert_reports_alert ON alert_reports (alert_id);
