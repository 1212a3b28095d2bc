-- The ledger: a Merkle log (RFC 9162) of what the node did with data. docs/ledger.md describes every column, so that
-- another administration can check the log with its own code. Rows are only ever inserted.
-- Entry i (from 0): its canonical JSON bytes and its leaf hash SHA-256(0x00 || entry).
CREATE TABLE ledger_entries (
    idx bigint PRIMARY KEY,
    leaf_hash bytea NOT NULL,
    entry bytea NOT NULL
);

-- Every completed perfect subtree above the leaves: the 2^level leaves ending at last_leaf. Keyed by when it was
-- completed, so a full check reads it in the order it recomputes it; a proof looks up O(log n) of them.
CREATE TABLE ledger_nodes (
    last_leaf bigint NOT NULL,
    level integer NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (last_leaf, level)
);

-- One row: the size and root after the last append. Appenders lock it (SELECT ... FOR UPDATE), so replicas sharing
-- this database append one after the other.
CREATE TABLE ledger_head (
    id integer PRIMARY KEY CHECK (id = 1),
    tree_size bigint NOT NULL,
    root bytea NOT NULL
);
INSERT INTO ledger_head (id, tree_size, root) VALUES (1, 0, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

-- Signed checkpoints (C2SP signed notes), one per tree size, never replaced.
CREATE TABLE ledger_checkpoints (
    tree_size bigint PRIMARY KEY,
    note text NOT NULL,
    signed_at timestamptz NOT NULL
);
