// The served-list reader against a real MariaDB (a private, migrated database): a time range,
// answers that reached the caller only, a track filter, grouping by track or version, and the
// lists joined with watches.
import type { Pool } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPool, type TestPool } from '../../../core/testing/mysql.ts';
import { readServedLists } from '../../online/reccom-reader.ts';
import { watchThrough } from '../../online/watch-through.ts';

const utc = (hms: string) => Date.parse(`2026-12-02T${hms}Z`);

describe('readServedLists against MariaDB', () => {
  let db: TestPool;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestPool('marquee_online');
    pool = db.pool;
    await pool.query(
      `INSERT INTO reccom (request_id, replica, version_number, user_id, served_at, track, status, latency_ms, result) VALUES
        ('r-1', 'canary', '7', 1, '2026-12-02 10:00:00.250', 'canary', 200, 5, 'a+1,b+2'),
        ('r-2', 'baseline', '6', 2, '2026-12-02 10:00:01.000', 'baseline', 200, 5, 'c+3'),
        ('r-3', 'stable-1', '6', 3, '2026-12-02 10:00:02.000', 'stable', 200, 5, 'a+1'),
        ('r-4', 'canary', '7', 4, '2026-12-02 10:00:03.000', 'canary', 503, 5, NULL),
        ('r-5', 'canary', '7', 5, '2026-12-02 10:00:04.000', 'canary', 499, 300, 'a+1'),
        ('r-6', 'canary', '7', 6, '2026-12-02 11:00:00.000', 'canary', 200, 5, 'a+1'),
        ('r-7', 'canary', '7', 7, '2026-12-02 10:30:00.000', 'canary', 200, 5, '')`,
    );
  });
  afterAll(() => db?.drop());

  it('reads the answers callers got in [from, to), oldest first, by track', async () => {
    const lists = await readServedLists(pool, { from: utc('10:00:00'), to: utc('11:00:00') });
    expect(lists).toEqual([
      // Each with the version that served it: the measurer keeps only the release's own answers.
      { userId: 1, servedAt: utc('10:00:00.250'), group: 'canary', ids: ['a+1', 'b+2'], version: '7' },
      { userId: 2, servedAt: utc('10:00:01'), group: 'baseline', ids: ['c+3'], version: '6' },
      { userId: 3, servedAt: utc('10:00:02'), group: 'stable', ids: ['a+1'], version: '6' },
      { userId: 7, servedAt: utc('10:30:00'), group: 'canary', ids: [], version: '7' },
    ]);
  });

  it('filters one track and groups by version', async () => {
    const lists = await readServedLists(pool, { from: utc('09:00:00'), to: utc('12:00:00'), track: 'canary', groupBy: 'version' });
    expect(lists.map((l) => [l.userId, l.group])).toEqual([
      [1, '7'],
      [7, '7'],
      [6, '7'],
    ]);
  });

  it('joins with watches logged in whole seconds', async () => {
    const lists = await readServedLists(pool, { from: utc('10:00:00'), to: utc('11:00:00') });
    // user 1 starts b+2 in the second of the answer (logged 10:00:00, answered at .250)
    const r = watchThrough(lists, [{ userId: 1, movieId: 'b+2', at: utc('10:00:00') }]);
    expect(r.get('canary')).toEqual({ responses: 2, watched: 1, proportion: 0.5, pending: 0 });
    expect(r.get('baseline')).toEqual({ responses: 1, watched: 0, proportion: 0, pending: 0 });
  });
});
