-- Lineage of every model version (one row per version) and provenance of every served
-- recommendation (one row per request). Column names of the seed kept; the rest added.
CREATE TABLE IF NOT EXISTS tracking (
  version_number INT NOT NULL PRIMARY KEY,
  data_creation  DATETIME(3) NOT NULL,
  trained_on     DATETIME(3) NOT NULL,
  model_rmse     DOUBLE NOT NULL,
  model_mae      DOUBLE NULL,
  data_md5       CHAR(32) NOT NULL,
  model_md5      CHAR(32) NOT NULL,
  git_commit     VARCHAR(64) NULL,
  rating_count   INT NOT NULL,
  params         TEXT NULL
);

CREATE TABLE IF NOT EXISTS reccom (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_id     VARCHAR(64) NOT NULL,
  version_number VARCHAR(64) NOT NULL,
  user_id        BIGINT NOT NULL,
  served_at      DATETIME(3) NOT NULL,
  track          VARCHAR(16) NOT NULL,
  status         SMALLINT NOT NULL,
  latency_ms     DOUBLE NOT NULL,
  result         TEXT NULL,
  INDEX reccom_user (user_id),
  INDEX reccom_request (request_id),
  INDEX reccom_version (version_number)
);
