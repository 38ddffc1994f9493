// Multi-threaded training on real worker threads; reads MovieLens 100K from ../shared
// (never copied into the repo).
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSgdWorkers, defaultParams, evaluate, readRatingsFile, trainModel, type Rating } from '../index.ts';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const ml100k = resolve(repoRoot, '../shared/data/movielens/ml-100k');
const run = promisify(execFile);

describe('Hogwild training on MovieLens 100K u1', () => {
  let train: Rating[];
  let test: Rating[];
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

  it('keeps a process alive while workers start, and lets it exit once they are idle', async () => {
    const script = [
      `import { prepareSgdWorkers, trainModel, defaultParams } from ${JSON.stringify(join(repoRoot, 'services/model/index.ts'))};`,
      'await prepareSgdWorkers(2);',
      "const rows = Array.from({ length: 400 }, (_, j) => ({ user: 1 + (j % 20), movie: 'm' + (j % 37), rating: 1 + (j % 5) }));",
      'const model = await trainModel(rows, { ...defaultParams, factors: 4, epochs: 3, threads: 2 });',
      "console.log('trained', model.userIds.length);",
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, timeout: 20_000 });
    expect(stdout.trim()).toBe('trained 20');
  });

  it('trains with more threads than users (empty shards)', async () => {
    const rows = [
      { user: 1, movie: 'a', rating: 4 },
      { user: 1, movie: 'b', rating: 2 },
    ];
    const model = await trainModel(rows, { ...defaultParams, factors: 3, epochs: 2, threads: 3 });
    expect(model.userFactors.every(Number.isFinite)).toBe(true);
    expect(model.itemIds).toEqual(['a', 'b']);
  });

  it('runs several trainings back to back on the kept workers, and four threads too', async () => {
    const small = { ...defaultParams, factors: 20, epochs: 5 };
    const [a, b] = await Promise.all([trainModel(train, { ...small, threads: 2 }), trainModel(train, { ...small, threads: 4 })]);
    for (const m of [a, b]) expect(evaluate(m, test).rmse).toBeLessThan(1.0);
  });
});
