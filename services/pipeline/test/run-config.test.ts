import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.ts';
import { loadPipelineConfig, REPO_ROOT } from '../run/config.ts';

const errorOf = (env: Record<string, string>): string => {
  try {
    loadPipelineConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadPipelineConfig', () => {
  it('has the documented defaults', () => {
    const c = loadPipelineConfig({ DVC_REMOTE: '/srv/dvc' });
    expect(c.workdir).toBe(REPO_ROOT);
    expect(c.gateRmse).toBe(1);
    expect(c.relativeGate).toEqual({ tolerance: 0.01, confidence: 0.95, resamples: 2000, seed: 42 });
    expect(c.holdout).toBe(0.2);
    expect(c.kafka).toMatchObject({ brokers: ['127.0.0.1:9092'], topic: 'movielog', groupId: 'marquee-pipeline' });
    expect(c.dvcRemote).toEqual({ name: 'storage', url: '/srv/dvc', dir: '/srv/dvc' });
    expect(c.git.ssh).toBeUndefined();
    expect(c.git).toMatchObject({ remote: 'origin', branch: undefined, tries: 3 });
    expect(c.trainParams).toEqual({});
    expect(c.rankingParams).toEqual({});
    expect(c.logFile.endsWith('var/log/pipeline.log')).toBe(true);
    expect(c.deadLetterLimits).toEqual({ maxLineBytes: 1024, maxFileBytes: 10 * 1024 * 1024, keepFiles: 5 });
    expect(c.parse).toEqual({ ratingMin: 1, ratingMax: 5, maxUserId: 1_000_000 });
  });

  it('honours the rating scale and largest user id, as `npm run ingest` and check-data do', () => {
    const c = loadPipelineConfig({ DVC_REMOTE: '/d', RATING_MIN: '1', RATING_MAX: '10', MAX_USER_ID: '500' });
    expect(c.parse).toEqual({ ratingMin: 1, ratingMax: 10, maxUserId: 500 });
    expect(errorOf({ DVC_REMOTE: '/d', MAX_USER_ID: 'many' })).toMatch(/MAX_USER_ID: /);
  });

  it('splits the DVC remote: DVC_REMOTE_URL for .dvc/config, DVC_REMOTE for writing', () => {
    const c = loadPipelineConfig({ DVC_REMOTE: 'rel/dvc', DVC_REMOTE_URL: 'ssh://host/srv/dvc' });
    expect(c.dvcRemote).toEqual({ name: 'storage', url: 'ssh://host/srv/dvc', dir: join(process.cwd(), 'rel/dvc') });
  });

  it('takes the SSH key and known_hosts files, and refuses a key without known_hosts', () => {
    const c = loadPipelineConfig({ DVC_REMOTE: '/d', PIPELINE_SSH_KEY_FILE: '/run/secrets/deploy_key', PIPELINE_SSH_KNOWN_HOSTS_FILE: '/run/secrets/known_hosts' });
    expect(c.git.ssh).toEqual({ keyFile: '/run/secrets/deploy_key', knownHostsFile: '/run/secrets/known_hosts' });
    expect(errorOf({ DVC_REMOTE: '/d', PIPELINE_SSH_KEY_FILE: '/k' })).toMatch(/PIPELINE_SSH_KNOWN_HOSTS_FILE: required with PIPELINE_SSH_KEY_FILE/);
  });

  it('reads overrides, including training parameters and a broker list', () => {
    const c = loadPipelineConfig({
      DVC_REMOTE: '/srv/dvc',
      GATE_RMSE: '0.95',
      TRAIN_FACTORS: '20',
      TRAIN_EPOCHS: '10',
      TRAIN_RANK_FACTORS: '32',
      TRAIN_RANK_ITERATIONS: '0',
      TRAIN_RANK_LAMBDA: '5',
      KAFKA_BROKERS: 'a:9092, b:9092',
      INGEST_MAX_MESSAGES: '500',
      PIPELINE_GIT_BRANCH: 'release',
    });
    expect(c.gateRmse).toBe(0.95);
    expect(c.trainParams).toEqual({ factors: 20, epochs: 10 });
    expect(c.rankingParams).toEqual({ factors: 32, iterations: 0, lambda: 5 });
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(c.kafka.maxMessages).toBe(500);
    expect(c.git.branch).toBe('release');
  });

  it('reads the relative gate settings and names a bad one', () => {
    const c = loadPipelineConfig({
      DVC_REMOTE: '/d',
      GATE_NDCG_TOLERANCE: '0.02',
      GATE_NDCG_CONFIDENCE: '0.9',
      GATE_BOOTSTRAP_RESAMPLES: '500',
      GATE_BOOTSTRAP_SEED: '7',
    });
    expect(c.relativeGate).toEqual({ tolerance: 0.02, confidence: 0.9, resamples: 500, seed: 7 });
    const message = errorOf({ DVC_REMOTE: '/d', GATE_NDCG_TOLERANCE: '-0.1', GATE_NDCG_CONFIDENCE: '95', GATE_BOOTSTRAP_RESAMPLES: '10' });
    expect(message).toMatch(/GATE_NDCG_TOLERANCE: /);
    expect(message).toMatch(/GATE_NDCG_CONFIDENCE: /);
    expect(message).toMatch(/GATE_BOOTSTRAP_RESAMPLES: /);
  });

  it('names every bad variable at once, pipeline and notification ones together', () => {
    const message = errorOf({ GATE_RMSE: '-1', TRAIN_HOLDOUT: '1.5', SLACK_WEBHOOK_URL: 'nope', PIPELINE_PUSH_TRIES: '0' });
    expect(message).toMatch(/DVC_REMOTE: required/);
    expect(message).toMatch(/GATE_RMSE/);
    expect(message).toMatch(/TRAIN_HOLDOUT/);
    expect(message).toMatch(/PIPELINE_PUSH_TRIES/);
    expect(message).toMatch(/SLACK_WEBHOOK_URL/);
  });

  it('reads the dead-letter bounds, and names a bad one', () => {
    const c = loadPipelineConfig({
      DVC_REMOTE: '/d',
      PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: '256',
      PIPELINE_DEAD_LETTER_MAX_FILE_BYTES: '65536',
      PIPELINE_DEAD_LETTER_FILES: '2',
    });
    expect(c.deadLetterLimits).toEqual({ maxLineBytes: 256, maxFileBytes: 65536, keepFiles: 2 });
    const message = errorOf({ DVC_REMOTE: '/d', PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: 'lots', PIPELINE_DEAD_LETTER_FILES: '0' });
    expect(message).toMatch(/PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: /);
    expect(message).toMatch(/PIPELINE_DEAD_LETTER_FILES: /);
  });

  it('never echoes secrets in its errors', () => {
    const message = errorOf({ DVC_REMOTE: '/x', SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T/B/topsecret', SMTP_PASSWORD: 'hunter2', SMTP_HOST: 'smtp' });
    expect(message).not.toMatch(/topsecret|hunter2/);
  });
});
