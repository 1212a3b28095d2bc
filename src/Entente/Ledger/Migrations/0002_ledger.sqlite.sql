-- The ledger: a Merkle log (RFC 9162) of what the node did with data. docs/ledger.md describes every column, so that
-- another administration can check the log with its own code. Rows are only ever inserted.
-- Entry i (from 0): its canonical JSON bytes and its leaf hash SHA-256(0x00 || entry).
CREATE TABLE ledger_entries (
    idx INTEGER PRIMARY KEY,
    leaf_hash BLOB NOT NULL,
    entry BLOB NOT NULL
);

-- Every completed perfect subtree above the leaves: the 2^level leaves ending at last_leaf. Keyed by when it was
-- completed, so a full check reads it in the order it recomputes it; a proof looks up O(log n) of them.
CREATE TABLE ledger_nodes (
    last_leaf INTEGER NOT NULL,
    level INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (last_leaf, level)
) WITHOUT ROWID;

-- One row: the size and root after the last append. Appenders take the write lock on it (BEGIN IMMEDIATE here).
CREATE TABLE ledger_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tree_size INTEGER NOT NULL,
    root BLOB NOT NULL
);
INSERT INTO ledger_head (id, tree_size, root) VALUES (1, 0, X'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- Signed checkpoints (C2SP signed notes), one per tree size, never replaced.
CREATE TABLE ledger_checkpoints (
    tree_size INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
);
