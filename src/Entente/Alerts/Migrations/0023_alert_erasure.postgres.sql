-- A partner's alert is erased when the retention its agreement set ends (docs/alerts.md): its subject and remarks are
-- removed from document, the row stays as evidence (id, issuer, version, digest in the ledger) with the time it was erased.
ALTER TABLE alerts ADD COLUMN erased_at TEXT;
