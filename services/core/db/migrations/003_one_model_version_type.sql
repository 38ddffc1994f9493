-- One type for a model version in both tables, so the provenance join is a plain equality that can
-- use tracking's primary key, with nothing cast per row. 001 had tracking.version_number INT and
-- reccom.version_number VARCHAR(64) in the table's default collation (case-insensitive on MySQL 8),
-- which made the join cast every number to text under an explicit collation.
--
-- Versions are names, not numbers: the pipeline names them 1, 2, 3…, but the bootstrap model is
-- `sample` and tests serve `base`, `slow`, …, and a served `sample` row must never match a number.
-- Hence VARCHAR(64), the longest name core/model-version.ts accepts, in
--   CHARACTER SET ascii: the accepted names are ascii ([A-Za-z0-9._-]), so every byte is one
--     character: reccom (a row per request) and tracking's primary key are a quarter the width of
--     utf8mb4, and no name could be stored in a form the validation never saw;
--   COLLATE ascii_bin: exact, byte-wise comparison; `Base` is not `base`, and MySQL 8.4 and MariaDB
--     have it under the same name with the same meaning (their utf8mb4 defaults differ).
-- Numeric order ("9 < 10") is not the column's: latest-version readers order the canonical numbers
-- by length, then text (pipeline/lineage/tracking.ts).
--
-- Converting keeps every row exactly: INT 12 becomes '12'. A reccom row whose version is not ascii
-- (no code writes one) would become '?' under a lax sql_mode, so this session is made strict: the
-- ALTER then fails, changing nothing, rather than store a false version. reccom goes first, so a
-- failure leaves both tables as they were; re-running after a partial run is a no-op per table.
-- A charset change copies the table, and writes to reccom wait for it; the replicas keep their rows
-- buffered meanwhile (PROVENANCE_BUFFER_MAX) and their MySQL query timeout turns the wait into a retry.
SET @marquee_003_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = TRIM(BOTH ',' FROM CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES'));
ALTER TABLE reccom MODIFY version_number VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
ALTER TABLE tracking MODIFY version_number VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL;
SET SESSION sql_mode = @marquee_003_mode;
