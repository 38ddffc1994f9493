// runTraining as the pipeline calls it: ratings and watches files, both protocols, a baseline.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact, runTraining, servedList, userIndexOf, type RunTrainingResult } from '../index.ts';
import { nextFloat, seedState } from '../random.ts';
import { scratchDir } from './fixtures.ts';

/** 4 taste groups of users over 60 movies; ratings and watches with times over 20 days. */
function writeData(dir: string): { ratings: string; watches: string } {
  const rng = seedState(5);
  const ratingLines = ['user_id,movie_id,rating,timestamp'];
  const watchLines = ['user_id,movie_id,minutes,last_seen'];
  const time = (day: number) => new Date(Date.UTC(2023, 10, 1 + day, 12)).toISOString().slice(0, 19);
  for (let u = 1; u <= 80; u++) {
    for (let i = 0; i < 60; i++) {
      const inGroup = Math.floor(i / 15) === u % 4;
      if (nextFloat(rng) > (inGroup ? 0.5 : 0.05)) continue;
      const day = Math.floor(nextFloat(rng) * 20);
      if (u > 70) watchLines.push(`${u},movie+${i}+1990,${inGroup ? 80 : 10},${time(day)}`);
      else ratingLines.push(`${u},movie+${i}+1990,${inGroup ? 5 : 2},${time(day)}`);
    }
  }
  const ratings = join(dir, 'clean_rating.csv');
  const watches = join(dir, 'clean_watch.csv');
  writeFileSync(ratings, ratingLines.join('\n') + '\n');
  writeFileSync(watches, watchLines.join('\n') + '\n');
  return { ratings, watches };
}

describe('runTraining', () => {
  const scratch = scratchDir();
  let files: { ratings: string; watches: string };
  let first: RunTrainingResult;
  const ranking = { factors: 8, iterations: 4, lambda: 1 };
  // On the calling thread: the ranking model is the same bit for bit on worker threads
  // (ials-threads.int.test.ts), whose start-up costs seconds.
  const rankingThreads = 1;
  beforeAll(async () => {
    files = writeData(scratch.dir);
    first = await runTraining({ ...files, holdout: 0.2, out: join(scratch.dir, '1'), params: { factors: 4, epochs: 3 }, ranking, rankingThreads, protocols: ['random', 'time'] });
  });
  afterAll(() => scratch.remove());

  it('ships both models in a format-2 folder with the metrics of both protocols', async () => {
    const { manifest, metrics } = first;
    expect(manifest).toMatchObject({ formatVersion: 2, ranking: { kind: 'ials', params: { factors: 8, iterations: 4 } }, params: { factors: 4 } });
    expect(manifest.data.watches).toBeGreaterThan(0);
    for (const m of [metrics, metrics.timeSplit!]) {
      for (const key of ['rmse', 'mae', 'ndcgAt20', 'precisionAt20', 'recallAt20', 'coverage', 'popularityPercentile', 'gini'] as const) {
        expect(Number.isFinite(m[key]), key).toBe(true);
      }
    }
    const loaded = await loadArtifact(join(scratch.dir, '1'), { rating: true });
    expect(loaded.model.params.factors).toBe(8);
    expect(loaded.rating!.params.factors).toBe(4);
  });

  it('learns from watches: a watch-only user gets a personal list, and never what they watched', async () => {
    const { model } = await loadArtifact(join(scratch.dir, '1'));
    for (const user of [75, 78]) {
      expect(userIndexOf(model, user)).toBeGreaterThanOrEqual(0);
      const top = Array.from(servedList(model, user, 5), (i) => model.itemIds[i]);
      const group = (id: string) => Math.floor(Number(id.split('+')[1]) / 15);
      expect(top.filter((id) => group(id) === user % 4).length).toBeGreaterThanOrEqual(3);
    }
    // Held-out interactions are marked seen in the shipped model: nothing a user had comes back.
    const had = new Map<number, Set<string>>();
    for (const file of [files.ratings, files.watches]) {
      for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
        const [u, movie] = line.split(',');
        if (!had.has(Number(u))) had.set(Number(u), new Set());
        had.get(Number(u))!.add(movie);
      }
    }
    for (const [user, movies] of had) for (const i of servedList(model, user)) expect(movies.has(model.itemIds[i])).toBe(false);
  });

  it('compares the new model with the one in production on the same held-out users, on what neither trained on', async () => {
    // Production was trained on the first 10 days; the candidate on all 20.
    const older = join(scratch.dir, 'older');
    mkdirSync(older, { recursive: true });
    const firstTenDays = (path: string) =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter((l, i) => i === 0 || l.split(',')[3] < '2023-11-11')
        .join('\n') + '\n';
    writeFileSync(join(older, 'clean_rating.csv'), firstTenDays(files.ratings));
    writeFileSync(join(older, 'clean_watch.csv'), firstTenDays(files.watches));
    await runTraining({ ratings: join(older, 'clean_rating.csv'), watches: join(older, 'clean_watch.csv'), holdout: 0.2, out: join(scratch.dir, '0'), params: { factors: 4, epochs: 3 }, ranking, rankingThreads });
    const second = await runTraining({ ...files, holdout: 0.2, out: join(scratch.dir, '2'), params: { factors: 4, epochs: 3 }, ranking, rankingThreads, baseline: join(scratch.dir, '0') });
    const c = second.comparison!;
    expect(c.baselineVersion).toBe('0');
    expect(c.users.length).toBeGreaterThan(10);
    expect(c.candidate.length).toBe(c.users.length);
    expect(c.baseline.length).toBe(c.users.length);
    // Against a model trained on this very data, no held-out interaction is new to it: nothing to judge.
    const same = await runTraining({ ...files, holdout: 0.2, out: join(scratch.dir, '3'), params: { factors: 4, epochs: 3 }, ranking, rankingThreads, baseline: join(scratch.dir, '1') });
    expect(same.comparison!.users.length).toBe(0);
    expect(same.manifest.artifact.md5).toBe(first.manifest.artifact.md5);
  });
});
