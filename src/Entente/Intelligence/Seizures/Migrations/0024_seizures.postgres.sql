-- Seizures recorded here (docs/intelligence.md), structured as the WCO CEN structures them: one row per seizure with
-- the columns analytics group by, the full seizure-report document (offenders included: personal data, read under a
-- purpose), the record that pushed it to partners, and the risk assessment and alert hit that led to it. Seizures
-- received from partners stay in the inbox, with their agreement and retention. Times are ISO 8601 text (UTC).
CREATE TABLE seizures (
    key bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    record_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    source TEXT NOT NULL,
    seized_on TEXT NOT NULL,
    category TEXT NOT NULL,
    detail TEXT,
    quantity DOUBLE PRECISION,
    unit TEXT,
    value DOUBLE PRECISION,
    currency TEXT,
    place TEXT,
    detection TEXT,
    concealment TEXT,
    transport_mode TEXT,
    departure TEXT,
    transit TEXT,
    destination TEXT,
    mrn TEXT,
    container TEXT,
    assessment_id BIGINT,
    hit_id TEXT,
    document TEXT NOT NULL
);
CREATE INDEX seizures_seized ON seizures (seized_on, category);
CREATE INDEX seizures_assessment ON seizures (assessment_id);
CREATE INDEX seizures_mrn ON seizures (mrn);
