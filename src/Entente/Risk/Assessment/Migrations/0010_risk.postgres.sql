-- Risk targeting: every assessment with its explanation, the rules that fired (for hit rates per rule), the
-- inspection outcomes officers record, and the risk results partners sent (partner indicators).
CREATE TABLE risk_assessments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    declaration_id TEXT NOT NULL,
    assessed_at timestamptz NOT NULL,
    score double precision NOT NULL,
    lane TEXT NOT NULL,
    random_selection boolean NOT NULL,
    rule_set TEXT,
    model TEXT,
    probability double precision,
    reasons TEXT NOT NULL
);
CREATE INDEX risk_assessments_declaration ON risk_assessments (declaration_id, id);
CREATE INDEX risk_assessments_at ON risk_assessments (assessed_at, lane);

CREATE TABLE risk_assessment_rules (
    rule_id TEXT NOT NULL,
    assessment_id bigint NOT NULL REFERENCES risk_assessments (id),
    PRIMARY KEY (rule_id, assessment_id)
);

CREATE TABLE inspection_outcomes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    declaration_id TEXT NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by TEXT NOT NULL,
    found boolean NOT NULL,
    critical boolean NOT NULL,
    what TEXT,
    revenue numeric
);
CREATE INDEX inspection_outcomes_declaration ON inspection_outcomes (declaration_id, id);

CREATE TABLE partner_risk_results (
    message_id TEXT NOT NULL PRIMARY KEY,
    partner TEXT NOT NULL,
    mrn TEXT NOT NULL,
    lane TEXT NOT NULL,
    assessed_at timestamptz,
    received_at timestamptz NOT NULL
);
CREATE INDEX partner_risk_results_mrn ON partner_risk_results (mrn);
