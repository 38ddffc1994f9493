import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5 } from '../../core/hash.ts';
import { ArtifactError, decodeModel, defaultParams, encodeModel, loadArtifact, saveArtifact, trainModel, trainRankingModel, type Model } from '../index.ts';
import { lowRankRatings, scratchDir } from './fixtures.ts';

const info = {
  version: '7',
  metrics: { rmse: 0.9, mae: 0.7, precisionAt20: 0.1, recallAt20: 0.05, ndcgAt20: 0.12 },
  data: { md5: 'd41d8cd98f00b204e9800998ecf8427e', path: 'data/clean_rating.csv', ratings: 1234 },
  counts: { train: 1000, test: 234 },
  trainSeconds: 0.5,
};
const params = { ...defaultParams, factors: 6, epochs: 5 };

function expectSameModel(a: Model, b: Model): void {
  expect(b.params).toEqual(a.params);
  expect(b.globalMean).toBe(a.globalMean);
  expect([...b.userIds]).toEqual([...a.userIds]);
  expect(b.itemIds).toEqual(a.itemIds);
  for (const key of ['userBias', 'itemBias', 'userFactors', 'itemFactors', 'seenOffsets', 'seenItems', 'popular'] as const) {
    expect(b[key].constructor).toBe(a[key].constructor);
    expect(Array.from(b[key]), key).toEqual(Array.from(a[key]));
  }
}

describe('model artifact', () => {
  const scratch = scratchDir();
  let model: Model;
  beforeAll(async () => {
    model = await trainModel(lowRankRatings(), params);
  });
  afterAll(() => scratch.remove());

  it('round-trips every array through model.bin and writes a complete manifest', async () => {
    const dir = join(scratch.dir, 'roundtrip');
    const manifest = await saveArtifact(dir, model, info);
    const loaded = await loadArtifact(dir);
    expectSameModel(model, loaded.model);
    expect(loaded.manifest).toEqual(manifest);
    const bytes = readFileSync(join(dir, 'model.bin'));
    expect(manifest).toMatchObject({
      format: 'marquee-mf',
      formatVersion: 1,
      version: '7',
      params,
      artifact: { file: 'model.bin', md5: md5(bytes), size: bytes.length },
      data: info.data,
      counts: { users: 60, items: 40, train: 1000, test: 234 },
      trainSeconds: 0.5,
    });
    expect(Date.parse(manifest.trainedAt)).not.toBeNaN();
  });

  it('keeps ids with commas-free course slugs, unicode and leading/trailing +', () => {
    const m: Model = { ...model, itemIds: model.itemIds.map((id, i) => (i === 0 ? '+la+mode+1993' : i === 1 ? 'vermont+is+for+lovers+' : i === 2 ? 'amélie+2001' : id)) };
    expectSameModel(m, decodeModel(encodeModel(m)));
  });

  it('stores seen items as u32 when there are more than 65,536 items', () => {
    const nItems = 70_000;
    const m: Model = {
      params: { ...params, factors: 1 },
      globalMean: 3,
      userIds: Int32Array.of(5, 9),
      itemIds: Array.from({ length: nItems }, (_, i) => `m${i}`),
      userBias: Float32Array.of(0.1, -0.1),
      itemBias: new Float32Array(nItems),
      userFactors: Float32Array.of(1, 2),
      itemFactors: new Float32Array(nItems).fill(0.5),
      seenOffsets: Uint32Array.of(0, 2, 3),
      seenItems: Uint32Array.of(1, 69_999, 65_536),
      popular: Uint32Array.of(69_999, 0),
    };
    expectSameModel(m, decodeModel(encodeModel(m)));
  });

  it('trains to identical model.bin bytes with the same seed and one thread', async () => {
    const rows = lowRankRatings();
    const a = join(scratch.dir, 'repro-a');
    const b = join(scratch.dir, 'repro-b');
    const c = join(scratch.dir, 'repro-c');
    await saveArtifact(a, await trainModel(rows, { ...params, threads: 1 }), info);
    await saveArtifact(b, await trainModel(rows, { ...params, threads: 1 }), info);
    await saveArtifact(c, await trainModel(rows, { ...params, threads: 1, seed: 43 }), info);
    const bytesA = readFileSync(join(a, 'model.bin'));
    expect(readFileSync(join(b, 'model.bin')).equals(bytesA)).toBe(true);
    expect(readFileSync(join(c, 'model.bin')).equals(bytesA)).toBe(false);
  });

  describe('format 2: the served ranking model and the rating model', () => {
    let ranking: Model;
    const rankingParams = { factors: 4, iterations: 3, alpha: 10, lambda: 1, cgSteps: 2, initStd: 0.01, seed: 42 };
    beforeAll(async () => {
      ranking = (await trainRankingModel(lowRankRatings(), rankingParams)).model;
    });

    it('round-trips both models; the manifest pins both files and both models\' parameters', async () => {
      const dir = join(scratch.dir, 'v2');
      const manifest = await saveArtifact(dir, ranking, { ...info, rating: model, ranking: { kind: 'ials', params: rankingParams } });
      const ratingBytes = readFileSync(join(dir, 'rating.bin'));
      const modelBytes = readFileSync(join(dir, 'model.bin'));
      expect(manifest).toMatchObject({
        formatVersion: 2,
        params,
        ranking: { kind: 'ials', params: rankingParams },
        artifact: { file: 'model.bin', md5: md5(modelBytes), size: modelBytes.length },
        ratingArtifact: { file: 'rating.bin', md5: md5(ratingBytes), size: ratingBytes.length },
        counts: { users: ranking.userIds.length, items: ranking.itemIds.length },
      });
      const served = await loadArtifact(dir);
      expectSameModel(ranking, served.model);
      expect(served.rating).toBeUndefined();
      expect(served.manifest).toEqual(manifest);
      const both = await loadArtifact(dir, { rating: true });
      expectSameModel(ranking, both.model);
      expectSameModel(model, both.rating!);
    });

    it('checks rating.bin only when the rating model is asked for, and then its md5 and size', async () => {
      const dir = join(scratch.dir, 'v2-damaged');
      await saveArtifact(dir, ranking, { ...info, rating: model, ranking: { kind: 'ials', params: rankingParams } });
      const bytes = readFileSync(join(dir, 'rating.bin'));
      bytes[bytes.length >> 1] ^= 1;
      writeFileSync(join(dir, 'rating.bin'), bytes);
      await expect(loadArtifact(dir)).resolves.toMatchObject({ manifest: { formatVersion: 2 } });
      await expect(loadArtifact(dir, { rating: true })).rejects.toThrow(/rating\.bin has md5 .* altered/);
      writeFileSync(join(dir, 'rating.bin'), bytes.subarray(8));
      await expect(loadArtifact(dir, { rating: true })).rejects.toThrow(/rating\.bin is .* truncated/);
    });

    it('refuses a format-2 manifest that does not name the rating model', async () => {
      const dir = join(scratch.dir, 'v2-no-rating');
      const manifest = await saveArtifact(dir, ranking, { ...info, rating: model, ranking: { kind: 'ials', params: rankingParams } });
      const { ratingArtifact: _, ...without } = manifest;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(without));
      await expect(loadArtifact(dir)).rejects.toThrow(/format-2 manifest names both/);
    });

    it('still loads format-1 folders (one model that serves and rates)', async () => {
      const dir = join(scratch.dir, 'v1');
      const manifest = await saveArtifact(dir, model, info);
      expect(manifest.formatVersion).toBe(1);
      expect(manifest.ratingArtifact).toBeUndefined();
      // A manifest exactly as format-1 builds wrote it (no format-2 keys at all).
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, metrics: { rmse: 0.9, mae: 0.7 } }));
      const loaded = await loadArtifact(dir, { rating: true });
      expectSameModel(model, loaded.model);
      expect(loaded.rating).toBe(loaded.model);
    });
  });

  describe('refuses damaged artifacts with ArtifactError', () => {
    let dir: string;
    let good: Buffer;
    beforeAll(async () => {
      dir = join(scratch.dir, 'damaged');
      await saveArtifact(dir, model, info);
      good = readFileSync(join(dir, 'model.bin'));
    });
    const write = (bytes: Uint8Array) => writeFileSync(join(dir, 'model.bin'), bytes);
    /** Make the manifest agree with the current model.bin, to reach the checks behind md5. */
    const blessManifest = () => {
      const bytes = readFileSync(join(dir, 'model.bin'));
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      manifest.artifact.md5 = md5(bytes);
      manifest.artifact.size = bytes.length;
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    };

    it('truncated', async () => {
      write(good.subarray(0, good.length - 100));
      await expect(loadArtifact(dir)).rejects.toThrow(ArtifactError);
      await expect(loadArtifact(dir)).rejects.toThrow(/truncated/);
    });

    it('one byte flipped', async () => {
      const bad = Buffer.from(good);
      bad[Math.floor(bad.length / 2)] ^= 0x01;
      write(bad);
      await expect(loadArtifact(dir)).rejects.toThrow(ArtifactError);
      await expect(loadArtifact(dir)).rejects.toThrow(/md5 .* altered/);
    });

    it('bad magic, even when the manifest matches the file', async () => {
      const bad = Buffer.from(good);
      bad.write('NOPE', 0, 'latin1');
      write(bad);
      blessManifest();
      await expect(loadArtifact(dir)).rejects.toThrow(/magic/);
    });

    it('unknown format version', async () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(99, 4);
      write(bad);
      blessManifest();
      await expect(loadArtifact(dir)).rejects.toThrow(/format version 99/);
    });

    it('a header that does not describe the file', async () => {
      const bad = Buffer.from(good);
      bad.writeUInt32LE(bad.readUInt32LE(28) + 1, 28); // one more user than stored
      write(bad);
      blessManifest();
      await expect(loadArtifact(dir)).rejects.toThrow(/header describes/);
    });

    it('missing or invalid manifest', async () => {
      write(good);
      writeFileSync(join(dir, 'manifest.json'), '{"format":"marquee-mf"');
      await expect(loadArtifact(dir)).rejects.toThrow(/not valid JSON/);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'marquee-mf', artifact: { file: '../x' } }));
      await expect(loadArtifact(dir)).rejects.toThrow(/not a valid model manifest/);
      await expect(loadArtifact(join(scratch.dir, 'nowhere'))).rejects.toThrow(ArtifactError);
    });

    it('a version that is not a version name (it would be stored and joined on as given)', async () => {
      const named = join(scratch.dir, 'bad-version');
      await saveArtifact(named, model, info);
      await expect(loadArtifact(named)).resolves.toMatchObject({ manifest: { version: '7' } });
      const manifest = JSON.parse(readFileSync(join(named, 'manifest.json'), 'utf8'));
      writeFileSync(join(named, 'manifest.json'), JSON.stringify({ ...manifest, version: 'v 7' }));
      await expect(loadArtifact(named)).rejects.toThrow(/manifest\.json is not a valid model manifest: version: 1-64 letters, digits/);
    });
  });
});
