import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJournal } from '../clean/journal.ts';
import { collapseEvents } from '../clean/rows.ts';
import { CleanStore } from '../clean/store.ts';
import { parseLine } from '../parse/line.ts';
import type { LogEvent } from '../parse/types.ts';

const batch = (...lines: string[]) => collapseEvents(lines.map((l) => parseLine(l) as LogEvent));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'marquee-store-'));
  dirs.push(d);
  return d;
};
const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CleanStore', () => {
  it('writes both clean files with headers, sorted by user then movie', () => {
    const dir = tempDir();
    const store = CleanStore.open(dir);
    store.merge(batch('2023-01-01T00:00:01,20,GET /rate/b+2=3', '2023-01-01T00:00:01,3,GET /rate/z+9=5', '2023-01-01T00:00:01,3,GET /rate/a+1=1'));
    store.merge(batch('2023-01-01T00:00:02,3,GET /data/m/a+1/4.mpg'));
    store.close();
    expect(read(dir, 'clean_rating.csv')).toBe(
      'user_id,movie_id,rating,timestamp\n3,a+1,1,2023-01-01T00:00:01\n3,z+9,5,2023-01-01T00:00:01\n20,b+2,3,2023-01-01T00:00:01\n',
    );
    expect(read(dir, 'clean_watch.csv')).toBe('user_id,movie_id,minutes,last_seen\n3,a+1,4,2023-01-01T00:00:02\n');
    expect(readdirSync(dir).sort()).toEqual(['clean_rating.csv', 'clean_watch.csv']);
  });

  it('creates empty files with headers when nothing was merged', () => {
    const dir = tempDir();
    CleanStore.open(dir).close();
    expect(read(dir, 'clean_rating.csv')).toBe('user_id,movie_id,rating,timestamp\n');
    expect(read(dir, 'clean_watch.csv')).toBe('user_id,movie_id,minutes,last_seen\n');
  });

  it('is idempotent: a replayed batch, in the same or a later session, changes nothing', () => {
    const dir = tempDir();
    const lines = ['2023-01-01T00:00:01,1,GET /rate/a+1=3', '2023-01-01T00:00:02,1,GET /data/m/a+1/7.mpg', '2023-01-01T00:00:03,2,GET /rate/a+1=4'];
    const s1 = CleanStore.open(dir);
    expect(s1.merge(batch(...lines))).toMatchObject({ ratingsAdded: 2, watchesAdded: 1 });
    expect(s1.merge(batch(...lines))).toMatchObject({ ratings: [], watches: [] });
    s1.close();
    const before = [read(dir, 'clean_rating.csv'), read(dir, 'clean_watch.csv')];
    const s2 = CleanStore.open(dir);
    expect(s2.ratingCount).toBe(2);
    expect(s2.merge(batch(...lines))).toMatchObject({ ratingsAdded: 0, ratingsUpdated: 0, watchesAdded: 0, watchesUpdated: 0 });
    s2.close();
    expect([read(dir, 'clean_rating.csv'), read(dir, 'clean_watch.csv')]).toEqual(before);
  });

  it('keeps merged batches durable in the journal before compaction, and recovers them after a crash', () => {
    const dir = tempDir();
    const s = CleanStore.open(dir, { compactAfterRows: 1_000_000 });
    s.merge(batch('2023-01-01T00:00:01,1,GET /rate/a+1=3'));
    s.merge(batch('2023-01-01T00:00:05,1,GET /rate/a+1=5', '2023-01-01T00:00:05,2,GET /data/m/b+2/3.mpg'));
    // The journal holds the rows as final values; the CSVs were not rewritten yet.
    const journal = parseJournal(read(dir, '.clean.journal'));
    expect(journal.ratings.map((r) => r.rating)).toEqual([3, 5]);
    expect(journal.watches).toHaveLength(1);
    expect(existsSync(join(dir, 'clean_rating.csv'))).toBe(false);
    // A crash now leaves just this journal: replay it in a copy of the dir as it would be on disk.
    const crashed = tempDir();
    writeFileSync(join(crashed, '.clean.journal'), read(dir, '.clean.journal'));
    writeFileSync(join(crashed, '.clean.lock'), '999999999\n'); // the dead writer's lock
    const recovered = CleanStore.open(crashed);
    expect(recovered.rating(1, 'a+1')).toMatchObject({ rating: 5 });
    expect(recovered.watch(2, 'b+2')).toMatchObject({ minutes: 3 });
    // Recovery compacted: the CSVs are complete even before close.
    expect(read(crashed, 'clean_rating.csv')).toBe('user_id,movie_id,rating,timestamp\n1,a+1,5,2023-01-01T00:00:05\n');
    s.close();
    recovered.close();
  });

  it('drops a torn last journal line and skips unreadable ones', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, '.clean.journal'),
      'r,1,a+1,3,2023-01-01T00:00:01\n\u0000\u0000\u0000\nw,2,b+2,4,2023-01-01T00:00:02\nr,3,c+3,5,2023-01-01T0',
    );
    const s = CleanStore.open(dir);
    expect(s.ratingCount).toBe(1);
    expect(s.watchCount).toBe(1);
    expect(s.rating(3, 'c+3')).toBeUndefined();
    s.close();
    expect(read(dir, 'clean_rating.csv')).toBe('user_id,movie_id,rating,timestamp\n1,a+1,3,2023-01-01T00:00:01\n');
  });

  it('removes temp files left by a killed atomic write and keeps the last complete file', () => {
    const dir = tempDir();
    const s = CleanStore.open(dir);
    s.merge(batch('2023-01-01T00:00:01,1,GET /rate/a+1=3'));
    s.close();
    const good = read(dir, 'clean_rating.csv');
    writeFileSync(join(dir, '.clean_rating.csv.12345.1700000000000.tmp'), 'user_id,movie_id,rating,timestamp\n1,a+1,3,2023-01-0');
    const again = CleanStore.open(dir);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(again.ratingCount).toBe(1);
    again.close();
    expect(read(dir, 'clean_rating.csv')).toBe(good);
  });

  it('refuses a second writer and takes over a stale lock', () => {
    const dir = tempDir();
    const s = CleanStore.open(dir);
    expect(() => CleanStore.open(dir)).toThrow(/already open/);
    s.close();
    writeFileSync(join(dir, '.clean.lock'), `${process.ppid}\n`); // a live process that is not us
    expect(() => CleanStore.open(dir)).toThrow(/in use by process/);
    writeFileSync(join(dir, '.clean.lock'), '999999999\n');
    CleanStore.open(dir).close();
    expect(existsSync(join(dir, '.clean.lock'))).toBe(false);
  });

  it('refuses a corrupt clean file with file:line and loses nothing', () => {
    const dir = tempDir();
    const bad = 'user_id,movie_id,rating,timestamp\n1,a+1,3,2023-01-01T00:00:01\n1,a+1\n';
    writeFileSync(join(dir, 'clean_rating.csv'), bad);
    expect(() => CleanStore.open(dir)).toThrow(/clean_rating\.csv:3: expected 4 fields/);
    writeFileSync(join(dir, 'clean_watch.csv'), 'wrong,header\n');
    writeFileSync(join(dir, 'clean_rating.csv'), 'user_id,movie_id,rating,timestamp\n');
    expect(() => CleanStore.open(dir)).toThrow(/clean_watch\.csv:1: expected header/);
    writeFileSync(join(dir, 'clean_rating.csv'), bad);
    expect(() => CleanStore.open(dir)).toThrow();
    expect(read(dir, 'clean_rating.csv')).toBe(bad); // untouched
    expect(existsSync(join(dir, '.clean.lock'))).toBe(false); // released on failure
  });

  it('compacts by itself once the journal is large', () => {
    const dir = tempDir();
    const s = CleanStore.open(dir, { compactAfterRows: 3 });
    s.merge(batch('2023-01-01T00:00:01,1,GET /rate/a+1=3', '2023-01-01T00:00:01,2,GET /rate/a+1=3'));
    expect(existsSync(join(dir, 'clean_rating.csv'))).toBe(false);
    s.merge(batch('2023-01-01T00:00:01,3,GET /rate/a+1=3'));
    expect(read(dir, 'clean_rating.csv').split('\n')).toHaveLength(5);
    expect(read(dir, '.clean.journal')).toBe('');
    s.close();
  });
});
