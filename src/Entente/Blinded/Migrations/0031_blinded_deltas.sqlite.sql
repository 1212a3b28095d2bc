-- Blinded hit/no-hit (docs/blinded.md, "Incremental refresh"): the last index built under the current key (its tags,
-- 8 bytes each, big-endian, sorted) and the changes between its successive versions, so that after a restart the holder
-- keeps its versions and an asker holding a cached version still gets a delta. A key rotation deletes the older key's rows.
CREATE TABLE blinded_index (
    key_id TEXT NOT NULL PRIMARY KEY,
    version INTEGER NOT NULL,
    tags BLOB NOT NULL
);

CREATE TABLE blinded_deltas (
    key_id TEXT NOT NULL,
    from_version INTEGER NOT NULL,
    version INTEGER NOT NULL,
    tag_count INTEGER NOT NULL,
    added BLOB NOT NULL,
    removed BLOB NOT NULL,
    PRIMARY KEY (key_id, from_version)
);
