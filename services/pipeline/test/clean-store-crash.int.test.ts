// Kills a writing process at random moments, many times, and checks after each kill that the
// clean file on disk is a complete, valid file, and at the end that nothing acknowledged was lost.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateCleanRatings } from '../check-data/validate.ts';
import { CleanStore } from '../clean/store.ts';
import { batchLines } from './helpers/store-writer.ts';
import { repoRoot } from './paths.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer from batch `first`, SIGKILLs it `killAfterMs` after its first commit; returns the last committed batch. */
function runAndKill(first: number, killAfterMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/pipeline/test/helpers/store-writer.ts'), dir, String(first)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let last = first - 1;
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('committed ')) last = Number(l.slice(10));
      if (!armed && last >= first) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`writer exited with ${code}: ${err}`));
    });
  });
}

describe('clean store under SIGKILL', () => {
  it('leaves a valid file after every kill and loses no committed batch', async () => {
    let next = 0;
    for (const killAfterMs of [5, 60, 0, 150, 25, 300, 90]) {
      const last = await runAndKill(next, killAfterMs);
      expect(last).toBeGreaterThanOrEqual(next);
      const file = join(dir, 'clean_rating.csv');
      if (existsSync(file)) {
        // What a reader (trainer, DVC) would see right now: a complete, valid file.
        const check = validateCleanRatings(readFileSync(file, 'utf8'), { ratingMin: 1, ratingMax: 5, maxUserId: 1_000_000 });
        expect(check.problems).toEqual([]);
      }
      next = last + 1; // like Kafka: resume after the last acknowledged batch
    }

    const store = CleanStore.open(dir);
    try {
      const lastCommitted = next - 1;
      // Every committed batch is complete; at most the one batch after it made it too (durable, not yet acknowledged).
      for (let i = 0; i <= lastCommitted; i++) {
        for (const line of batchLines(i).slice(1)) {
          const [, user, req] = line.split(',');
          const [movie, rating] = req.slice('GET /rate/'.length).split('=');
          expect(store.rating(Number(user), movie)?.rating, line).toBe(Number(rating));
        }
      }
      expect([200 * (lastCommitted + 1) + 1, 200 * (lastCommitted + 2) + 1]).toContain(store.ratingCount);
      expect(lastCommitted).toBeGreaterThan(7); // the writers got somewhere between kills
      const hot = store.rating(1, 'hot+1')?.rating;
      expect([(lastCommitted % 5) + 1, ((lastCommitted + 1) % 5) + 1]).toContain(hot);
    } finally {
      store.close();
    }
    const final = validateCleanRatings(readFileSync(join(dir, 'clean_rating.csv'), 'utf8'), { ratingMin: 1, ratingMax: 5, maxUserId: 1_000_000 });
    expect(final).toMatchObject({ ok: true });
  }, 120_000);
});
