// The train CLI as a child process (tsx loader), on a small generated clean-ratings file.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../index.ts';
import { scratchDir } from './fixtures.ts';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const run = promisify(execFile);

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
    // Two threads: the process must stay alive while only worker threads are busy.
    const { stdout, stderr } = await run(
      process.execPath,
      [...cli, '--ratings', ratings, '--holdout', '0.2', '--out', out, '--factors', '8', '--epochs', '4', '--threads', '2', '--json'],
      { cwd: repoRoot },
    );
    expect(stderr).toMatch(/epoch 4\/4 train RMSE/);
    expect(stderr).toMatch(/skipped 1 bad rows/);
    expect(stderr).toMatch(/bad row .*clean_rating.csv:\d+: user_id 'oops'/);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ version: '12', artifact: out });
    for (const key of ['rmse', 'mae', 'train_seconds', 'n_train', 'n_test', 'precision_at_20', 'recall_at_20', 'ndcg_at_20']) expect(typeof last[key]).toBe('number');
    expect(last.n_train + last.n_test).toBe(lines.length - 2);
    const { model, manifest } = await loadArtifact(out);
    expect(manifest.metrics.rmse).toBe(last.rmse);
    expect(manifest.params).toMatchObject({ factors: 8, epochs: 4, threads: 2 });
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
