// Tracking rows in a real MariaDB (throw-away, migrated database), reached directly or through a
// proxy that plays a hung server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type mysql from 'mysql2/promise';
import { createPool } from '../../core/db/connection.ts';
import { createTestPool, type TestPool } from '../../core/testing/mysql.ts';
import { TcpProxy } from '../../core/testing/tcp-proxy.ts';
import { findTracking, insertTracking, latestTrackedVersion, type TrackingRow } from '../lineage/tracking.ts';

let db: TestPool;
let pool: mysql.Pool;

beforeAll(async () => {
  db = await createTestPool('marquee_lineage');
  pool = db.pool;
});
afterAll(() => db?.drop());

const row = (versionNumber: string): TrackingRow => ({
  versionNumber,
  dataCreation: new Date('2025-03-01T10:00:00.123Z'),
  trainedOn: new Date('2025-03-01T10:05:00.456Z'),
  modelRmse: 0.8912,
  modelMae: 0.7001,
  dataMd5: 'a'.repeat(32),
  modelMd5: 'b'.repeat(32),
  gitCommit: 'c'.repeat(40),
  ratingCount: 3960,
  params: { factors: 20, epochs: 10, holdout: 0.2 },
  ranking: null,
  gate: null,
});

const gated = (versionNumber: string): TrackingRow => ({
  ...row(versionNumber),
  ranking: { ndcgAt20: 0.391, precisionAt20: 0.204, recallAt20: 0.25, coverage: 0.31, popularityBias: 0.87 },
  gate: {
    decision: 'pass',
    baselineVersion: '4',
    users: 612,
    candidateNdcg: 0.388,
    baselineNdcg: 0.377,
    diff: 0.011,
    low: -0.002,
    high: 0.024,
    confidence: 0.95,
    tolerance: 0.01,
  },
});

describe('tracking', () => {
  it('stores a version row and reads it back unchanged', async () => {
    expect(await latestTrackedVersion(pool)).toBeNull();
    await insertTracking(pool, row('1'));
    expect(await findTracking(pool, '1')).toEqual(row('1'));
    expect(await findTracking(pool, '2')).toBeNull();
    await insertTracking(pool, { ...row('2'), modelMae: null, gitCommit: null, params: null });
    expect(await latestTrackedVersion(pool)).toBe(2);
    expect(await findTracking(pool, '2')).toMatchObject({ modelMae: null, gitCommit: null, params: null });
  });

  it('stores the ranking metrics and the relative gate (migration 005) and reads them back', async () => {
    await insertTracking(pool, gated('gated-a'));
    expect(await findTracking(pool, 'gated-a')).toEqual(gated('gated-a'));
    const first: TrackingRow = { ...gated('gated-b'), gate: { ...gated('gated-b').gate!, decision: 'no-baseline', baselineVersion: null, users: 0, candidateNdcg: null, baselineNdcg: null, diff: null, low: null, high: null } };
    await insertTracking(pool, first);
    expect(await findTracking(pool, 'gated-b')).toEqual(first);
  });

  it('reads a row written the way writers before migration 005 did with the new fields null', async () => {
    await pool.query(
      `INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, model_mae, data_md5, model_md5, git_commit, rating_count, params)
       VALUES ('old-writer', '2025-03-01 10:00:00.123', '2025-03-01 10:05:00.456', 0.9, NULL, ?, ?, NULL, 10, NULL)`,
      ['a'.repeat(32), 'b'.repeat(32)],
    );
    expect(await findTracking(pool, 'old-writer')).toMatchObject({ versionNumber: 'old-writer', modelRmse: 0.9, ranking: null, gate: null });
  });

  it('refuses a second row for the same version', async () => {
    await insertTracking(pool, row('10'));
    await expect(insertTracking(pool, { ...row('10'), modelRmse: 0.5 })).rejects.toThrow(/Duplicate entry/);
    expect((await findTracking(pool, '10'))?.modelRmse).toBe(0.8912);
  });

  it('reads the latest pipeline version numerically (10 after 9), ignoring named versions', async () => {
    await insertTracking(pool, row('9'));
    await insertTracking(pool, row('sample'));
    await insertTracking(pool, row('zzz'));
    expect(await latestTrackedVersion(pool)).toBe(10);
    await insertTracking(pool, row('100'));
    expect(await latestTrackedVersion(pool)).toBe(100);
    expect((await findTracking(pool, 'sample'))?.versionNumber).toBe('sample');
    // A name is matched exactly: no case folding, no number conversion.
    expect(await findTracking(pool, 'SAMPLE')).toBeNull();
    expect(await findTracking(pool, '0100')).toBeNull();
  });

  it('validates a row before it reaches the database', async () => {
    await expect(insertTracking(pool, { ...row('11'), modelRmse: Number.NaN, dataMd5: 'xyz' })).rejects.toThrow(
      /invalid tracking row: model_rmse NaN, data_md5 'xyz'/,
    );
    expect(await findTracking(pool, '11')).toBeNull();
    await expect(insertTracking(pool, row('v 11'))).rejects.toThrow(/invalid tracking row: version_number .*1-64 letters, digits/);
    const bad = gated('12');
    await expect(
      insertTracking(pool, { ...bad, ranking: { ...bad.ranking!, ndcgAt20: Number.NaN }, gate: { ...bad.gate!, decision: 'maybe' as 'pass', confidence: 1 } }),
    ).rejects.toThrow(/invalid tracking row: ndcg_at_20 NaN, gate_decision 'maybe', gate_confidence 1/);
    expect(await findTracking(pool, '12')).toBeNull();
  });
});

describe('tracking against a MySQL that hangs', () => {
  it('fails the lineage write within the query timeout instead of waiting forever, and writes once MySQL answers', async () => {
    const proxy = new TcpProxy({ host: db.settings.host, port: db.settings.port });
    await proxy.start();
    const hung = createPool({ ...db.settings, port: proxy.port, timeouts: { connectMs: 400, queryMs: 600 } }, 2);
    try {
      expect(await latestTrackedVersion(hung)).toBe(100);
      proxy.setMode('hang');
      const t0 = performance.now();
      await expect(insertTracking(hung, row('101'))).rejects.toThrow(/MYSQL_QUERY_TIMEOUT_MS/);
      await expect(latestTrackedVersion(hung)).rejects.toThrow(/MYSQL_(QUERY|CONNECT)_TIMEOUT_MS/);
      expect(performance.now() - t0).toBeLessThan(2 * 600 + 1_000);
      proxy.setMode('forward');
      expect(await findTracking(hung, '101')).toBeNull();
      await insertTracking(hung, row('101'));
      expect(await latestTrackedVersion(pool)).toBe(101);
    } finally {
      proxy.setMode('refuse');
      await hung.end().catch(() => {});
      await proxy.stop();
    }
  });
});
