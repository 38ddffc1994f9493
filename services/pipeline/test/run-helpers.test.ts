// Small pieces of the run: the lineage row, the run lock, watches as interactions, throttling.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../model/index.ts';
import { trackingRowFor } from '../lineage/tracking-row.ts';
import { acquireRunLock, RunLockedError } from '../run/run-lock.ts';
import { throttle } from '../run/throttle.ts';
import { readWatchInteractions } from '../run/watches.ts';

describe('trackingRowFor', () => {
  it('takes metrics, counts and parameters from the manifest and identities from the version', () => {
    const manifest = {
      version: '3',
      trainedAt: '2025-02-03T04:05:06.000Z',
      metrics: { rmse: 0.9, mae: 0.7 },
      params: { factors: 20, epochs: 10 },
      data: { md5: 'd'.repeat(32), ratings: 4321 },
    } as unknown as Manifest;
    const row = trackingRowFor({
      version: 3,
      manifest,
      dataMd5: 'd'.repeat(32),
      modelMd5: 'm'.repeat(32),
      gitCommit: 'abc',
      dataCreatedAt: new Date('2025-02-03T04:00:00Z'),
      holdout: 0.2,
      ranking: null,
      gate: null,
    });
    expect(row).toEqual({
      versionNumber: '3',
      dataCreation: new Date('2025-02-03T04:00:00Z'),
      trainedOn: new Date('2025-02-03T04:05:06.000Z'),
      modelRmse: 0.9,
      modelMae: 0.7,
      dataMd5: 'd'.repeat(32),
      modelMd5: 'm'.repeat(32),
      gitCommit: 'abc',
      ratingCount: 4321,
      params: { factors: 20, epochs: 10, holdout: 0.2 },
      ranking: null,
      gate: null,
    });
  });
});

describe('acquireRunLock', () => {
  it('admits one holder, then the next after release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    const lock = acquireRunLock(path);
    expect(() => acquireRunLock(path)).toThrow(RunLockedError);
    lock.release();
    acquireRunLock(path).release();
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    writeFileSync(path, '999999999\n');
    acquireRunLock(path).release();
  });
});

describe('readWatchInteractions', () => {
  it('gives every watched pair with minutes watched (highest index + 1) and the last watch time, counting bad rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'watch-'));
    writeFileSync(
      join(dir, 'w.csv'),
      'user_id,movie_id,minutes,last_seen\n7,heat+1995,0,2025-01-01T10:00:00\n7,seven+1995,89,2025-01-02T11:30:05\n7,x,-1,2025-01-01T00:00:00\n',
    );
    expect(readWatchInteractions(join(dir, 'w.csv'))).toEqual({
      rows: [
        { user: 7, movie: 'heat+1995', minutes: 1, at: Date.UTC(2025, 0, 1, 10) },
        { user: 7, movie: 'seven+1995', minutes: 90, at: Date.UTC(2025, 0, 2, 11, 30, 5) },
      ],
      bad: 1,
    });
    expect(readWatchInteractions(join(dir, 'none.csv'))).toEqual({ rows: [], bad: 0 });
  });
});

describe('throttle', () => {
  it('lets the first call through and then at most one per period', () => {
    let t = 0;
    const seen: number[] = [];
    const f = throttle(1000, (x: number) => seen.push(x), () => t);
    for (let i = 0; i < 5; i++) {
      f(i);
      t += 400;
    }
    expect(seen).toEqual([0, 3]);
  });
});
