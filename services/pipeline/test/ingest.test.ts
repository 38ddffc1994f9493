import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeadLetters } from '../clean/dead-letter.ts';
import { parseJournal } from '../clean/journal.ts';
import { ingest } from '../ingest.ts';
import { createArraySource } from '../sources/array.ts';
import type { LineSource, SourceBatch } from '../types.ts';

const LINES = [
  '2023-11-29T14:02:11,545850,GET /data/m/the+godfather+1972/17.mpg',
  '2023-11-29T14:02:12,545850,GET /data/m/the+godfather+1972/18.mpg',
  '2023-11-29T14:05:40,545850,GET /rate/the+godfather+1972=5',
  '2023-11-29T14:06:02.097,637838,recommendation request team-4.example.edu:8082, status 200, result: a+1999, b+2001, c+2010, 56 ms',
  '2023-11-29T14:07,99,GET /create_account',
  '2022-10-28T04:23:24,24f162,GET /data/m/the+shawshank+redemption+1994/2.mpg',
  'garbage',
  '2023-11-29T14:08:00,7,GET /rate/up+2009=9',
  '2023-11-29T14:09:00,7,GET /rate/up+2009=4',
];

const dirs: string[] = [];
function workDir() {
  const d = mkdtempSync(join(tmpdir(), 'marquee-ingest-'));
  dirs.push(d);
  return { dataDir: join(d, 'data'), deadLetterPath: join(d, 'var', 'dead-letter.log') };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const deadLetters = (path: string) => readDeadLetters(path);

describe('ingest', () => {
  it('counts events by kind and rejections by reason, and dead-letters every rejected line', async () => {
    const w = workDir();
    const report = await ingest(createArraySource(LINES, 4), w);
    expect(report).toMatchObject({
      lines: 9,
      events: { watch: 2, rate: 2, recommendation: 1 },
      rejected: { unknown_request: 1, bad_user: 1, malformed: 1, bad_rating: 1 },
      ratingsAdded: 2,
      ratingsUpdated: 0,
      watchesAdded: 1,
    });
    expect(report.seconds).toBeGreaterThanOrEqual(0);
    const dl = deadLetters(w.deadLetterPath);
    expect(dl.map((d) => [d.reason, d.line])).toEqual([
      ['unknown_request', LINES[4]],
      ['bad_user', LINES[5]],
      ['malformed', LINES[6]],
      ['bad_rating', LINES[7]],
    ]);
    expect(Number.isNaN(Date.parse(dl[0].at))).toBe(false);
    expect(readFileSync(join(w.dataDir, 'clean_rating.csv'), 'utf8')).toBe(
      'user_id,movie_id,rating,timestamp\n7,up+2009,4,2023-11-29T14:09:00\n545850,the+godfather+1972,5,2023-11-29T14:05:40\n',
    );
    expect(readFileSync(join(w.dataDir, 'clean_watch.csv'), 'utf8')).toBe(
      'user_id,movie_id,minutes,last_seen\n545850,the+godfather+1972,18,2023-11-29T14:02:12\n',
    );
  });

  it('acknowledges a batch only once its rows and dead letters are on disk', async () => {
    const w = workDir();
    const seen: Array<{ journalRatings: number; deadLetters: number }> = [];
    const batches = [LINES.slice(0, 5), LINES.slice(5)];
    const source: LineSource = {
      async *batches() {
        for (const lines of batches) {
          const batch: SourceBatch = {
            lines,
            commit: async () => {
              const journal = join(w.dataDir, '.clean.journal');
              seen.push({
                journalRatings: existsSync(journal) ? parseJournal(readFileSync(journal, 'utf8')).ratings.length : 0,
                deadLetters: existsSync(w.deadLetterPath) ? deadLetters(w.deadLetterPath).length : 0,
              });
            },
          };
          yield batch;
        }
      },
      async close() {},
    };
    await ingest(source, w);
    expect(seen).toEqual([
      { journalRatings: 1, deadLetters: 1 },
      { journalRatings: 2, deadLetters: 4 },
    ]);
  });

  it('hands each acknowledged batch\'s raw lines to onLines, after the commit', async () => {
    const w = workDir();
    const source = createArraySource(LINES, 4);
    const calls: Array<{ lines: readonly string[]; committed: number }> = [];
    await ingest(source, { ...w, onLines: (lines) => calls.push({ lines, committed: source.committed }) });
    expect(calls).toEqual([
      { lines: LINES.slice(0, 4), committed: 4 },
      { lines: LINES.slice(4, 8), committed: 8 },
      { lines: LINES.slice(8), committed: 9 },
    ]);
  });

  it('adds nothing when the same lines are ingested again (replay)', async () => {
    const w = workDir();
    await ingest(createArraySource(LINES, 3), w);
    const before = readFileSync(join(w.dataDir, 'clean_rating.csv'), 'utf8');
    const again = await ingest(createArraySource(LINES, 5), w);
    expect(again).toMatchObject({ ratingsAdded: 0, ratingsUpdated: 0, watchesAdded: 0 });
    expect(readFileSync(join(w.dataDir, 'clean_rating.csv'), 'utf8')).toBe(before);
  });

  it('honours the rating scale and the user id limit', async () => {
    const w = workDir();
    const report = await ingest(createArraySource(['2023-11-29T14:08:00,7,GET /rate/up+2009=9', '2023-11-29T14:08:00,2000000,GET /rate/up+2009=3']), {
      ...w,
      ratingScale: [1, 10],
      maxUserId: 5_000_000,
    });
    expect(report).toMatchObject({ events: { rate: 2 }, rejected: {}, ratingsAdded: 2 });
  });

  it('commits nothing when the batch cannot be stored', async () => {
    const w = workDir();
    await ingest(createArraySource([]), w);
    writeFileSync(join(w.dataDir, 'clean_rating.csv'), 'not,the,header\n');
    const source = createArraySource(LINES);
    await expect(ingest(source, w)).rejects.toThrow(/clean_rating\.csv:1: expected header/);
    expect(source.committed).toBe(0);
  });

  it('keeps what it stored when acknowledging fails, and a retry adds nothing twice', async () => {
    const w = workDir();
    const failing: LineSource = {
      async *batches() {
        yield { lines: LINES, commit: async () => Promise.reject(new Error('broker went away')) };
      },
      async close() {},
    };
    await expect(ingest(failing, w)).rejects.toThrow('broker went away');
    expect(readFileSync(join(w.dataDir, 'clean_rating.csv'), 'utf8').split('\n')).toHaveLength(4);
    const retry = await ingest(createArraySource(LINES), w);
    expect(retry).toMatchObject({ ratingsAdded: 0, watchesAdded: 0 });
  });

  it('appends recommendation events when asked', async () => {
    const w = workDir();
    const recommendationsPath = join(w.dataDir, 'recommendations.csv');
    await ingest(createArraySource(LINES), { ...w, recommendationsPath });
    expect(readFileSync(recommendationsPath, 'utf8')).toBe('at,user_id,status,latency_ms,results\n2023-11-29T14:06:02.097,637838,200,56,a+1999 b+2001 c+2010\n');
  });

  it('stops after the batch in hand when aborted', async () => {
    const w = workDir();
    const abort = new AbortController();
    const source = createArraySource(LINES, 2);
    const report = await ingest(source, { ...w, signal: abort.signal, onProgress: () => abort.abort() });
    expect(report.lines).toBe(2);
    expect(source.committed).toBe(2);
  });

  it('rejects an invalid rating scale before reading anything', async () => {
    const w = workDir();
    await expect(ingest(createArraySource(LINES), { ...w, ratingScale: [5, 1] })).rejects.toThrow(/invalid rating scale/);
  });
});
