-- Witnessing (docs/ledger.md, "Witnesses and cosignatures"). Rows are only inserted, except a cosignature replaced
-- by a newer one from the same witness for the same checkpoint and an alarm's acknowledgement.
-- Every distinct checkpoint a partner showed this node: the consistent ones are the reference for the next round,
-- the others the evidence of an equivocation.
CREATE TABLE witness_checkpoints (
    partner TEXT NOT NULL,
    tree_size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    consistent INTEGER NOT NULL,
    PRIMARY KEY (partner, tree_size, root)
);

-- Cosignatures partners' witnesses made of this node's own checkpoints: the newest per witness and size.
CREATE TABLE witness_cosignatures (
    witness TEXT NOT NULL,
    tree_size INTEGER NOT NULL,
    root BLOB NOT NULL,
    signature TEXT NOT NULL,
    cosigned_at TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (witness, tree_size)
);

-- A partner caught showing two histories. The evidence (JSON: both signed checkpoints and the proof) is what an
-- auditor shows a third party.
CREATE TABLE witness_alarms (
    id TEXT NOT NULL PRIMARY KEY,
    partner TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    evidence TEXT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at TEXT
);
