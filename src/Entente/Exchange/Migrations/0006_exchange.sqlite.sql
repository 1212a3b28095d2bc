-- The exchange between nodes (docs/exchange.md). The outbox holds every sealed envelope until the recipient's signed
-- receipt comes back; replicas claim rows with a lease (claimed_by, claimed_until). Sequences are per conversation
-- and recipient; the receiver accepts a conversation's messages only in that order.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    conversation_seq INTEGER NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    purpose TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    envelope BLOB NOT NULL,
    digest BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error TEXT,
    claimed_by TEXT,
    claimed_until TEXT,
    delivered_at TEXT,
    receipt BLOB,
    receipt_ledger_index INTEGER,
    UNIQUE (conversation_id, recipient, conversation_seq)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_conversation ON outbox (conversation_id, recipient, state, seq);
CREATE INDEX outbox_recipient ON outbox (recipient, state, seq);

CREATE TABLE outbox_conversations (
    conversation_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, recipient)
);

-- Every message accepted from a partner, once: its envelope and receipt (the evidence), the decrypted payload, and
-- the obligations it arrived under (handling code, onward transfer, retention).
CREATE TABLE inbox (
    message_id TEXT NOT NULL PRIMARY KEY,
    sender TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    conversation_seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    purpose TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    agreement_hash TEXT NOT NULL,
    handling_code TEXT NOT NULL,
    evaluation TEXT,
    onward_transfer TEXT NOT NULL,
    retain_until TEXT NOT NULL,
    received_at TEXT NOT NULL,
    envelope BLOB NOT NULL,
    digest BLOB NOT NULL,
    payload TEXT NOT NULL,
    receipt BLOB NOT NULL,
    ledger_index INTEGER,
    processed_at TEXT
);
CREATE INDEX inbox_received ON inbox (received_at);
CREATE INDEX inbox_sender ON inbox (sender, received_at);

CREATE TABLE inbox_conversations (
    sender TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (sender, conversation_id)
);

-- Messages refused, both ways: what came in and was refused here, and what a partner refused of ours.
CREATE TABLE exchange_rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    direction TEXT NOT NULL,
    partner TEXT,
    message_id TEXT,
    code TEXT NOT NULL,
    detail TEXT NOT NULL,
    digest BLOB
);
CREATE INDEX exchange_rejections_at ON exchange_rejections (at);

-- Consents a provider gave for data it sent here to be passed on to a third node (onward transfer, handling code H2).
CREATE TABLE exchange_consents (
    message_id TEXT NOT NULL,
    recipient TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    consent_message_id TEXT NOT NULL,
    PRIMARY KEY (message_id, recipient)
);
