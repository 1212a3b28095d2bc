-- Screening at scale (docs/matching.md): the watch list follows the alert book one alert at a time, reading the alerts
-- changed since its last look (by updated_at) and, on a new day, those whose validity begins (by valid_from).
CREATE INDEX alerts_updated ON alerts (updated_at);
CREATE INDEX alerts_valid_from ON alerts (valid_from);
