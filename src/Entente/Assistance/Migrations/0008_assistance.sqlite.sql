-- Mutual-assistance requests (docs/assistance.md): one row per request this node is applicant or requested authority
-- for, with the columns lists filter on; its state is the fold of its messages, kept whole and in order.
CREATE TABLE assistance_requests (
    id TEXT NOT NULL PRIMARY KEY,
    role TEXT NOT NULL,
    applicant TEXT NOT NULL,
    requested TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    case_reference TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answer_by TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX assistance_requests_deadline ON assistance_requests (status, answer_by);
CREATE INDEX assistance_requests_created ON assistance_requests (created_at);

CREATE TABLE assistance_messages (
    request_id TEXT NOT NULL REFERENCES assistance_requests (id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    at TEXT NOT NULL,
    digest TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (request_id, seq),
    UNIQUE (request_id, digest)
);
