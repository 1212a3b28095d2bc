-- A received message erased at the end of its retention keeps its row as evidence (id, sender, agreement, digest,
-- receipt, dates): the payload and the envelope (which holds the payload, encrypted to this node) are emptied and
-- erased_at says when.
ALTER TABLE inbox ADD COLUMN erased_at TEXT;
