import { mkdirSync, mkdtempSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureModel, planModel, type Train } from '../bootstrap-model.ts';

let root: string;
let trained: string[];
const ratings = () => join(root, 'ratings.csv');
/** Stands in for runTraining: writes just a manifest, records where. */
const train: Train = async ({ out }) => {
  trained.push(out);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'manifest.json'), '{}');
};
const run = (modelPath: string) => ensureModel(modelPath, { ratings: ratings(), train, log: () => {} });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bootstrap-'));
  writeFileSync(ratings(), 'user_id,movie_id,rating,timestamp\n');
  trained = [];
});

describe('ensureModel', () => {
  it('trains the sample into models/sample and links models/current to it on a fresh clone', async () => {
    const current = join(root, 'models', 'current');
    mkdirSync(join(root, 'models'));
    expect(await run(current)).toBe(join(root, 'models', 'sample'));
    expect(trained).toEqual([join(root, 'models', 'sample')]);
    expect(readlinkSync(current)).toBe('sample');
    expect(realpathSync(current)).toBe(realpathSync(join(root, 'models', 'sample')));
  });

  it('leaves an existing model alone, directory or symlink', async () => {
    const dir = join(root, 'models', '7');
    await train({ ratings: '', out: dir, version: '7', onProgress: () => {} });
    trained = [];
    symlinkSync('7', join(root, 'models', 'current'));
    expect(planModel(join(root, 'models', 'current'))).toEqual({ action: 'use', dir: join(root, 'models', 'current') });
    await run(join(root, 'models', 'current'));
    await run(dir);
    expect(trained).toEqual([]);
    expect(readlinkSync(join(root, 'models', 'current'))).toBe('7');
  });

  it('repoints a dangling current link at the sample, reusing a sample model already there', async () => {
    await train({ ratings: '', out: join(root, 'models', 'sample'), version: 'sample', onProgress: () => {} });
    trained = [];
    symlinkSync('gone', join(root, 'models', 'current'));
    await run(join(root, 'models', 'current'));
    expect(trained).toEqual([]);
    expect(readlinkSync(join(root, 'models', 'current'))).toBe('sample');
  });

  it('trains a missing custom MODEL_PATH in place', async () => {
    const custom = join(root, 'elsewhere', 'm1');
    await run(custom);
    expect(trained).toEqual([custom]);
  });

  it('refuses to overwrite a non-empty folder that holds no model', async () => {
    const odd = join(root, 'odd');
    mkdirSync(odd);
    writeFileSync(join(odd, 'notes.txt'), 'mine');
    await expect(run(odd)).rejects.toThrow(/holds no manifest.json; refusing to overwrite/);
    expect(trained).toEqual([]);
  });

  it('says so when there is neither a model nor the sample to train on', async () => {
    await expect(
      ensureModel(join(root, 'x'), { ratings: join(root, 'missing.csv'), train, log: () => {} }),
    ).rejects.toThrow(/no sample ratings at .*missing.csv/);
  });
});
