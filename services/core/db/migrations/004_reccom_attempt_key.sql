-- One row per answer a replica gave, never two: `replica` names the process that answered and
-- (request_id, replica) is unique, so a batch retried after a dropped connection, or a spool
-- replayed after a crash, writes nothing twice (the replicas insert with INSERT IGNORE: their
-- user may only INSERT). NGINX never sends one request to the same upstream twice, so the pair
-- also tells its retries apart: the attempt the caller got has status 200, an abandoned one 499.
ALTER TABLE reccom
  ADD COLUMN replica VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER request_id;

-- Rows from before this migration have no replica. Exact copies of one answer (a batch written
-- twice) are duplicates: keep the first.
DELETE dup FROM reccom dup
  JOIN reccom first
    ON first.request_id = dup.request_id AND first.id < dup.id
   AND first.version_number = dup.version_number AND first.track = dup.track
   AND first.status = dup.status AND first.user_id = dup.user_id AND first.result <=> dup.result;

-- Different answers under one request id (NGINX retries, unnamed then) stay, each under its own
-- made-up replica name so that the unique key holds.
UPDATE reccom later
  JOIN reccom first ON first.request_id = later.request_id AND first.id < later.id
   SET later.replica = CONCAT('unnamed-', later.id);

ALTER TABLE reccom
  DROP INDEX reccom_request,
  ADD UNIQUE INDEX reccom_attempt (request_id, replica);
