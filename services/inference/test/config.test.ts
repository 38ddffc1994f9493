import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.ts';
import { defaultRankWorkers, loadInferenceConfig } from '../config.ts';

describe('loadInferenceConfig', () => {
  it('has the documented defaults, MODEL_PATH relative to the repo root', () => {
    const c = loadInferenceConfig({}, '/repo');
    expect(c).toMatchObject({ port: 8082, host: '0.0.0.0', modelPath: '/repo/models/current', track: 'stable', testDelayMs: 0, rankWorkers: defaultRankWorkers(), cacheSize: 50_000, coldStartBelow: 5 });
    expect(c.provenance).toMatchObject({ enabled: false, bufferMax: 300_000, maxDeferMs: 60_000, deferCpu: 0.8, mysql: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } });
  });

  it('defaults RANK_WORKERS to one worker per core, at least 1 and at most 4', () => {
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultRankWorkers(cores))).toEqual([1, 2, 3, 4, 4, 4]);
    expect(defaultRankWorkers(0)).toBe(1);
  });

  it('reads every variable', () => {
    const c = loadInferenceConfig(
      {
        PORT: '9001',
        HOST: '127.0.0.1',
        MODEL_PATH: '/abs/models/7',
        TRACK: 'canary',
        PROVENANCE: 'on',
        PROVENANCE_BATCH_SIZE: '50',
        PROVENANCE_FLUSH_MS: '250',
        PROVENANCE_BUFFER_MAX: '1000',
        PROVENANCE_MAX_DEFER_MS: '0',
        PROVENANCE_DEFER_CPU: '0.95',
        PROVENANCE_SPOOL_DIR: 'spool',
        PROVENANCE_SPOOL_GROUP_MS: '20',
        PROVENANCE_ACCEPT_WITHIN_MS: '150',
        REPLICA_NAME: 'canary-1',
        RECOMMEND_CACHE_SIZE: '0',
        RECOMMEND_COLD_START_BELOW: '0',
        RANK_WORKERS: '0',
        INFERENCE_TEST_DELAY_MS: '300',
        MYSQL_HOST: 'db',
        MYSQL_PORT: '3307',
        MYSQL_PASSWORD: 's3cret',
        MYSQL_DATABASE: 'marquee',
        MYSQL_QUERY_TIMEOUT_MS: '1500',
      },
      '/repo',
    );
    expect(c).toMatchObject({ port: 9001, host: '127.0.0.1', modelPath: '/abs/models/7', track: 'canary', replica: 'canary-1', cacheSize: 0, coldStartBelow: 0, rankWorkers: 0, testDelayMs: 300 });
    expect(c.provenance).toEqual({
      enabled: true,
      viaNginx: false,
      // One spool per database: rows only ever go back to the database they were recorded for.
      spoolDir: '/repo/spool/db_3307_marquee',
      spoolGroupMs: 20,
      acceptWithinMs: 150,
      batchSize: 50,
      flushMs: 250,
      bufferMax: 1000,
      maxDeferMs: 0,
      deferCpu: 0.95,
      mysql: { host: 'db', port: 3307, user: 'root', password: 's3cret', database: 'marquee', timeouts: { connectMs: 2_000, queryMs: 1_500 } },
    });
  });

  it('PROVENANCE=nginx: answers carry X-Provenance, the replica records nothing itself', () => {
    expect(loadInferenceConfig({ PROVENANCE: 'nginx' }).provenance).toMatchObject({ enabled: false, viaNginx: true });
    expect(loadInferenceConfig({ PROVENANCE: 'on' }).provenance).toMatchObject({ enabled: true, viaNginx: false });
    expect(loadInferenceConfig({}).provenance).toMatchObject({ enabled: false, viaNginx: false });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['TRACK', 'beta'],
    ['PROVENANCE', 'yes please'],
    ['REPLICA_NAME', 'stable 1'],
    ['PROVENANCE_SPOOL', 'maybe'],
    ['PROVENANCE_SPOOL_GROUP_MS', '0'],
    ['PROVENANCE_BATCH_SIZE', '0'],
    ['PROVENANCE_MAX_DEFER_MS', '-5'],
    ['PROVENANCE_DEFER_CPU', '0'],
    ['PROVENANCE_DEFER_CPU', '1.5'],
    ['INFERENCE_TEST_DELAY_MS', '-1'],
    ['RANK_WORKERS', '100'],
    ['MYSQL_PORT', 'x'],
  ])('refuses %s=%j with an error naming it', (name, value) => {
    let caught: unknown;
    try {
      loadInferenceConfig({ [name]: value, MYSQL_PASSWORD: 'hunter2' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain(name);
    expect((caught as Error).message).not.toContain('hunter2');
  });
});
