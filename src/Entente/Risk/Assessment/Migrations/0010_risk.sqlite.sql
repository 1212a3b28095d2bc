-- Risk targeting: every assessment with its explanation, the rules that fired (for hit rates per rule), the
-- inspection outcomes officers record, and the risk results partners sent (partner indicators).
CREATE TABLE risk_assessments (
    id INTEGER PRIMARY KEY,
    declaration_id TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    score REAL NOT NULL,
    lane TEXT NOT NULL,
    random_selection INTEGER NOT NULL,
    rule_set TEXT,
    model TEXT,
    probability REAL,
    reasons TEXT NOT NULL
);
CREATE INDEX risk_assessments_declaration ON risk_assessments (declaration_id, id);
CREATE INDEX risk_assessments_at ON risk_assessments (assessed_at, lane);

CREATE TABLE risk_assessment_rules (
    rule_id TEXT NOT NULL,
    assessment_id INTEGER NOT NULL REFERENCES risk_assessments (id),
    PRIMARY KEY (rule_id, assessment_id)
) WITHOUT ROWID;

CREATE TABLE inspection_outcomes (
    id INTEGER PRIMARY KEY,
    declaration_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    found INTEGER NOT NULL,
    critical INTEGER NOT NULL,
    what TEXT,
    revenue NUMERIC
);
CREATE INDEX inspection_outcomes_declaration ON inspection_outcomes (declaration_id, id);

CREATE TABLE partner_risk_results (
    message_id TEXT NOT NULL PRIMARY KEY,
    partner TEXT NOT NULL,
    mrn TEXT NOT NULL,
    lane TEXT NOT NULL,
    assessed_at TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX partner_risk_results_mrn ON partner_risk_results (mrn);
