// Reads MovieLens 100K from ../shared (never copied into the repo), runs real worker threads
// and the train CLI as a child process.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSgdWorkers, defaultParams, evaluate, loadArtifact, readRatingsFile, trainModel, type RatingRow } from '../index.ts';
import { scratchDir } from './fixtures.ts';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const ml100k = resolve(repoRoot, '../shared/data/movielens/ml-100k');
const run = promisify(execFile);

describe('Hogwild training on MovieLens 100K u1', () => {
  let train: RatingRow[];
  let test: RatingRow[];
  beforeAll(async () => {
    train = (await readRatingsFile(join(ml100k, 'u1.base'))).rows;
    test = (await readRatingsFile(join(ml100k, 'u1.test'))).rows;
  });
  afterAll(() => closeSgdWorkers());

  it('reaches a sane RMSE with two threads and reports every epoch', async () => {
    expect(train).toHaveLength(80_000);
    const epochs: Array<[number, number]> = [];
    const model = await trainModel(train, { ...defaultParams, threads: 2 }, { onEpoch: (e, r) => epochs.push([e, r]) });
    expect(epochs.map(([e]) => e)).toEqual(Array.from({ length: 20 }, (_, j) => j + 1));
    expect(epochs[19][1]).toBeLessThan(epochs[0][1]);
    const metrics = evaluate(model, test);
    // Surprise's SVD lands near 0.95 on this split; the global mean alone gives ~1.15.
    expect(metrics.rmse).toBeLessThan(0.965);
    expect(metrics.rmse).toBeGreaterThan(0.9);
    expect(metrics.precisionAt20).toBeGreaterThan(0.05);
    expect(model.params.threads).toBe(2);
  });

  it('runs several trainings back to back on the kept workers, and four threads too', async () => {
    const small = { ...defaultParams, factors: 20, epochs: 5 };
    const [a, b] = await Promise.all([trainModel(train, { ...small, threads: 2 }), trainModel(train, { ...small, threads: 4 })]);
    for (const m of [a, b]) expect(evaluate(m, test).rmse).toBeLessThan(1.0);
  });
});

describe('train CLI', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.remove());
  const cli = ['--import', 'tsx', join(repoRoot, 'services/model/cli/train.ts')];

  it('trains with a hold-out, prints progress to stderr and a JSON last line, and writes a loadable model', async () => {
    const ratings = join(scratch.dir, 'clean_rating.csv');
    const lines = ['user_id,movie_id,rating,timestamp'];
    for (let u = 1; u <= 40; u++) for (let i = 0; i < 30; i++) if ((u * 7 + i * 3) % 4 !== 0) lines.push(`${u},movie+${i}+19${50 + i},${((u + i) % 5) + 1},2023-11-29T14:05:40`);
    lines.push('oops,movie+1+1951,4,2023-11-29T14:05:40');
    writeFileSync(ratings, lines.join('\n') + '\n');
    const out = join(scratch.dir, 'models', '12');
    const { stdout, stderr } = await run(process.execPath, [...cli, '--ratings', ratings, '--holdout', '0.2', '--out', out, '--factors', '8', '--epochs', '4', '--json'], { cwd: repoRoot });
    expect(stderr).toMatch(/epoch 4\/4 train RMSE/);
    expect(stderr).toMatch(/skipped 1 bad rows/);
    expect(stderr).toMatch(/bad row .*clean_rating.csv:\d+: user id 'oops'/);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ version: '12', artifact: out });
    for (const key of ['rmse', 'mae', 'train_seconds', 'n_train', 'n_test', 'precision_at_20', 'recall_at_20', 'ndcg_at_20']) expect(typeof last[key]).toBe('number');
    expect(last.n_train + last.n_test).toBe(lines.length - 2);
    const { model, manifest } = await loadArtifact(out);
    expect(manifest.metrics.rmse).toBe(last.rmse);
    expect(manifest.params.factors).toBe(8);
    expect(model.itemIds).toContain('movie+3+1953');
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).data.ratings).toBe(lines.length - 2);
  });

  it('exits 2 with a usage message on bad arguments', async () => {
    const failure = await run(process.execPath, [...cli, '--ratings', 'x.csv', '--out', 'y', '--factors', 'ten', '--holdout', '0.2'], { cwd: repoRoot }).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toMatch(/--factors must be an integer/);
    expect(failure.stderr).toMatch(/usage: npm run train/);
    const both = await run(process.execPath, [...cli, '--ratings', 'x.csv', '--out', 'y', '--test', 't.csv', '--holdout', '0.2'], { cwd: repoRoot }).catch((e) => e);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --test FILE or --holdout/);
  });

  it('exits 1 with the reason when the ratings file is missing', async () => {
    const failure = await run(process.execPath, [...cli, '--ratings', join(scratch.dir, 'missing.csv'), '--out', join(scratch.dir, 'm'), '--holdout', '0.2'], { cwd: repoRoot }).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/ENOENT.*missing\.csv/);
  });
});
