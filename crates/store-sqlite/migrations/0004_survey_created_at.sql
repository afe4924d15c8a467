-- A saved analysis's time is `created_at` on both backends (still microseconds since
-- 1970 UTC here), so the store kit declares its columns once. SQLite rewrites the index
-- and the audit triggers that name the column.
ALTER TABLE survey_analyses RENAME COLUMN created_at_us TO created_at;
