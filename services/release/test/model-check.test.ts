import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTinyArtifact } from '../../inference/test/fixtures.ts';
import { checkModel } from '../model-check.ts';

let models: string;
async function artifact(version: string, formatVersion: 1 | 2 = 1): Promise<string> {
  const dir = join(models, version);
  await saveTinyArtifact(dir, version, formatVersion);
  return dir;
}

beforeAll(() => {
  models = mkdtempSync(join(tmpdir(), 'model-check-'));
});
afterAll(() => rmSync(models, { recursive: true, force: true }));

describe('checkModel', () => {
  it('accepts an intact model folder, DVC pointers beside the files included', async () => {
    const dir = await artifact('8');
    writeFileSync(join(dir, 'model.bin.dvc'), 'outs:\n- md5: x\n  path: model.bin\n');
    expect(await checkModel(models, '8')).toBe('8');
  });

  it('refuses a model.bin whose md5 differs from the manifest (same size)', async () => {
    const dir = await artifact('9');
    const bytes = readFileSync(join(dir, 'model.bin'));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(dir, 'model.bin'), bytes);
    await expect(checkModel(models, '9')).rejects.toThrow(/model 9 in .*9 is not a valid model\.bin \+ manifest\.json: .*has md5 [0-9a-f]{32} but the manifest says [0-9a-f]{32}: the file was altered/);
  });

  it('checks the md5 of both model files of a format-2 folder', async () => {
    const dir = await artifact('20', 2);
    expect(await checkModel(models, '20')).toBe('20');
    const bytes = readFileSync(join(dir, 'rating.bin'));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(dir, 'rating.bin'), bytes);
    await expect(checkModel(models, '20')).rejects.toThrow(/model 20 in .*20 is not a valid .*rating\.bin has md5 [0-9a-f]{32} but the manifest says [0-9a-f]{32}: the file was altered/);
    const missing = await artifact('21', 2);
    unlinkSync(join(missing, 'rating.bin'));
    await expect(checkModel(models, '21')).rejects.toThrow(/cannot read .*rating\.bin/);
  });

  it('refuses a truncated model.bin and a missing manifest', async () => {
    const dir = await artifact('10');
    truncateSync(join(dir, 'model.bin'), 64);
    await expect(checkModel(models, '10')).rejects.toThrow(/truncated/);
    const noManifest = await artifact('11');
    unlinkSync(join(noManifest, 'manifest.json'));
    await expect(checkModel(models, '11')).rejects.toThrow(/model 11 .*cannot read .*manifest\.json/);
  });

  it('says so when only the DVC pointers are there', async () => {
    const dir = join(models, '12');
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.bin.dvc'), 'outs: []\n');
    writeFileSync(join(dir, 'manifest.json.dvc'), 'outs: []\n');
    await expect(checkModel(models, '12')).rejects.toThrow(
      `model 12: ${dir} has DVC pointers but not the files (manifest.json, model.bin); fetch them first (dvc pull ${dir})`,
    );
    writeFileSync(join(models, '13.dvc'), 'outs: []\n');
    await expect(checkModel(models, '13')).rejects.toThrow(/model 13: .*13 has DVC pointers but not the files \(13\); fetch them first \(dvc pull/);
  });

  it('says so when the folder does not exist, and refuses versions that are not folder names', async () => {
    await expect(checkModel(models, '99')).rejects.toThrow(`model 99 not found: ${join(models, '99')} does not exist (MODELS_DIR=${models})`);
    for (const bad of ['../8', '..', '', 'a/b']) await expect(checkModel(models, bad)).rejects.toThrow(/is not a folder name/);
  });
});
