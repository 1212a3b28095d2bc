-- The rows that hang off a declaration, found by its key: an amendment replaces them and retention erases them, and
-- without these each did a full scan of the table per declaration.
CREATE INDEX IF NOT EXISTS declaration_parties_declaration ON declaration_parties (declaration_key);
CREATE INDEX IF NOT EXISTS goods_items_declaration ON goods_items (declaration_key, sequence);
CREATE INDEX IF NOT EXISTS containers_declaration ON containers (declaration_key);
CREATE INDEX IF NOT EXISTS declaration_findings_declaration ON declaration_findings (declaration_key);
