-- Issue 9: a version's lineage row also says how good its LISTS are and why it was let through.
-- Ranking quality of the served lists on the run's held-out data (services/model evaluation):
--   ndcg_at_20, precision_at_20, recall_at_20; coverage = distinct movies in the evaluated users'
--   top 20 / movies in the catalogue; popularity_bias = the model's popularity-bias figure (its
--   manifest names the measure).
-- The relative gate (services/pipeline/run/relative-gate.ts): the candidate and the served model
-- (gate_baseline_version) scored on the same gate_users held-out users; their mean nDCG@20, the
-- mean paired difference (candidate - served) and its paired bootstrap interval at gate_confidence,
-- the tolerance, and the decision: 'pass' or 'no-baseline' (nothing served yet) for a published
-- version ('refuse' never publishes, so it has no row; the run summary and the alert carry it).
-- Every column is NULL for rows written before this migration. Plain ADD COLUMN in one ALTER:
-- MySQL 8.4 and MariaDB both take it in place; no IF NOT EXISTS (MariaDB only), so this runs once,
-- as every migration does (schema_migrations, under the migration lock).
ALTER TABLE tracking
  ADD COLUMN ndcg_at_20               DOUBLE NULL,
  ADD COLUMN precision_at_20          DOUBLE NULL,
  ADD COLUMN recall_at_20             DOUBLE NULL,
  ADD COLUMN coverage                 DOUBLE NULL,
  ADD COLUMN popularity_bias          DOUBLE NULL,
  ADD COLUMN gate_decision            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN gate_baseline_version    VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  ADD COLUMN gate_users               INT NULL,
  ADD COLUMN gate_candidate_ndcg_at_20 DOUBLE NULL,
  ADD COLUMN gate_baseline_ndcg_at_20 DOUBLE NULL,
  ADD COLUMN gate_ndcg_diff           DOUBLE NULL,
  ADD COLUMN gate_ndcg_diff_low       DOUBLE NULL,
  ADD COLUMN gate_ndcg_diff_high      DOUBLE NULL,
  ADD COLUMN gate_confidence          DOUBLE NULL,
  ADD COLUMN gate_tolerance           DOUBLE NULL;
