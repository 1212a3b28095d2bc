-- Parquet exports of the analytics store (docs/intelligence.md): per folder and data set, the watermark (the last row
-- key exported) and the months written, so that the next export rewrites only the months with new rows.
CREATE TABLE analytics_exports (
    folder TEXT NOT NULL,
    dataset TEXT NOT NULL,
    watermark BIGINT NOT NULL,
    rows BIGINT NOT NULL,
    exported_at TEXT NOT NULL,
    personal_data TEXT NOT NULL,
    PRIMARY KEY (folder, dataset)
);
