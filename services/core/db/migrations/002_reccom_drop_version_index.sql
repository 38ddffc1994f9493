-- reccom takes one row per served request, so each of its secondary indexes is paid for on every
-- request (MariaDB/MySQL shares the CPU with the replicas). No query filters on version_number (the
-- provenance queries look rows up by user_id and by request_id, and only join each row found to
-- `tracking`), so its index goes. Dropping an index is an in-place change. Written to be safe when
-- several replicas start at once: a no-op if the index is already gone (MySQL 8 has no
-- DROP INDEX IF EXISTS, hence the prepared statement).
SET @marquee_002 = IF(
  (SELECT COUNT(*) FROM information_schema.statistics
    WHERE table_schema = DATABASE() AND table_name = 'reccom' AND index_name = 'reccom_version') > 0,
  'ALTER TABLE reccom DROP INDEX reccom_version',
  'DO 0');
PREPARE marquee_002 FROM @marquee_002;
EXECUTE marquee_002;
DEALLOCATE PREPARE marquee_002;
