import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ensureModel, planModel, type Train } from '../bootstrap-model.ts';

let root: string;
const ratings = () => join(root, 'ratings.csv');
/** Stands in for runTraining: writes a model and a manifest, records where they ended up. */
const train: Train = async ({ out }) => {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.bin'), 'bytes');
  writeFileSync(join(out, 'manifest.json'), '{}');
  pending.push(out);
};
let pending: string[] = [];
/** Where the trained models are once ensureModel returned (training itself writes a partial folder). */
const landed = () => pending.map((out) => out.replace(/\.partial-\d+$/, '').replace(/\/\.partial-\d+$/, ''));
const run = (modelPath: string) => ensureModel(modelPath, { ratings: ratings(), train, log: () => {} });

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bootstrap-'));
  writeFileSync(ratings(), 'user_id,movie_id,rating,timestamp\n');
  pending = [];
});

describe('ensureModel', () => {
  it('trains the sample into models/sample and links models/current to it on a fresh clone', async () => {
    const current = join(root, 'models', 'current');
    mkdirSync(join(root, 'models'));
    expect(await run(current)).toBe(join(root, 'models', 'sample'));
    expect(landed()).toEqual([join(root, 'models', 'sample')]);
    expect(readlinkSync(current)).toBe('sample');
    expect(realpathSync(current)).toBe(realpathSync(join(root, 'models', 'sample')));
  });

  it('leaves an existing model alone, directory or symlink', async () => {
    const dir = join(root, 'models', '7');
    await train({ ratings: '', out: dir, version: '7', onProgress: () => {} });
    pending = [];
    symlinkSync('7', join(root, 'models', 'current'));
    expect(planModel(join(root, 'models', 'current'))).toEqual({ action: 'use', dir: join(root, 'models', 'current') });
    await run(join(root, 'models', 'current'));
    await run(dir);
    expect(pending).toEqual([]);
    expect(readlinkSync(join(root, 'models', 'current'))).toBe('7');
  });

  it('repoints a dangling current link at the sample, reusing a sample model already there', async () => {
    await train({ ratings: '', out: join(root, 'models', 'sample'), version: 'sample', onProgress: () => {} });
    pending = [];
    symlinkSync('gone', join(root, 'models', 'current'));
    await run(join(root, 'models', 'current'));
    expect(pending).toEqual([]);
    expect(readlinkSync(join(root, 'models', 'current'))).toBe('sample');
  });

  it('trains a missing custom MODEL_PATH in place', async () => {
    const custom = join(root, 'elsewhere', 'm1');
    await run(custom);
    expect(landed()).toEqual([custom]);
    expect(readdirSync(custom).sort()).toEqual(['manifest.json', 'model.bin']);
  });

  it('refuses to overwrite a non-empty folder that holds no model', async () => {
    const odd = join(root, 'odd');
    mkdirSync(odd);
    writeFileSync(join(odd, 'notes.txt'), 'mine');
    await expect(run(odd)).rejects.toThrow(/holds no manifest.json; refusing to overwrite/);
    expect(pending).toEqual([]);
  });

  it('trains into an existing empty folder (a mount point cannot be renamed onto) and leaves nothing else there', async () => {
    const mount = join(root, 'models', 'sample');
    mkdirSync(mount, { recursive: true });
    await run(mount);
    expect(pending[0]).toMatch(/models\/sample\/\.partial-\d+$/);
    expect(readdirSync(mount).sort()).toEqual(['manifest.json', 'model.bin']);
  });

  it('leaves no model, half or whole, when training crashes; the next attempt starts clean', async () => {
    const custom = join(root, 'models', 'sample');
    const crash: Train = async ({ out }) => {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'model.bin'), 'half');
      throw new Error('killed mid-training');
    };
    await expect(ensureModel(custom, { ratings: ratings(), train: crash, log: () => {} })).rejects.toThrow(/killed/);
    expect(existsSync(custom)).toBe(false);
    expect(readdirSync(dirname(custom))).toEqual([]);
    // A leftover of a process that died outright (no catch ran) is removed before training again.
    mkdirSync(join(dirname(custom), 'sample.partial-99999'));
    await run(custom);
    expect(readdirSync(dirname(custom))).toEqual(['sample']);
    expect(readFileSync(join(custom, 'model.bin'), 'utf8')).toBe('bytes');
  });

  it('says so when there is neither a model nor the sample to train on', async () => {
    await expect(
      ensureModel(join(root, 'x'), { ratings: join(root, 'missing.csv'), train, log: () => {} }),
    ).rejects.toThrow(/no sample ratings at .*missing.csv/);
  });
});
