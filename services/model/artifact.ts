// Saving and loading a model folder: model.bin (artifact-format.ts) + manifest.json.
// Loading checks the bytes against the manifest's size and md5 before trusting any of them.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { md5 } from '../core/hash.ts';
import { modelVersionSchema } from '../core/model-version.ts';
import { ArtifactError, decodeModel, encodeModel } from './artifact-format.ts';
import { trainParamsSchema } from './params.ts';
import type { EvalMetrics, Manifest, Model } from './types.ts';

export { ArtifactError } from './artifact-format.ts';

export const MODEL_FILE = 'model.bin';
export const MANIFEST_FILE = 'manifest.json';

const metricsSchema = z.object({
  rmse: z.number(),
  mae: z.number(),
  precisionAt20: z.number().optional(),
  recallAt20: z.number().optional(),
  ndcgAt20: z.number().optional(),
  rankingUsers: z.number().optional(),
});

export const manifestSchema = z.object({
  format: z.literal('marquee-mf'),
  formatVersion: z.literal(1),
  // The name served in X-Model-Version and stored in reccom and tracking rows: one rule for all.
  version: modelVersionSchema,
  params: trainParamsSchema,
  metrics: metricsSchema,
  artifact: z.object({
    // A bare file name: a manifest must not point outside its own folder.
    file: z.string().min(1).refine((f) => f === basename(f) && f !== '..', 'must be a file name in the model folder'),
    md5: z.string().regex(/^[0-9a-f]{32}$/),
    size: z.number().int().nonnegative(),
  }),
  data: z.object({ md5: z.string(), path: z.string().optional(), ratings: z.number().int().nonnegative() }),
  counts: z.object({
    users: z.number().int().nonnegative(),
    items: z.number().int().nonnegative(),
    train: z.number().int().nonnegative(),
    test: z.number().int().nonnegative(),
  }),
  trainSeconds: z.number().nonnegative(),
  trainedAt: z.string(),
});

export interface ArtifactInfo {
  version: string;
  metrics: EvalMetrics;
  data: { md5: string; path?: string; ratings: number };
  counts: { train: number; test: number };
  trainSeconds: number;
}

/** Write dir/model.bin, then dir/manifest.json (each atomically); returns the manifest. */
export async function saveArtifact(dir: string, model: Model, info: ArtifactInfo): Promise<Manifest> {
  const bytes = encodeModel(model);
  const manifest: Manifest = {
    format: 'marquee-mf',
    formatVersion: 1,
    version: info.version,
    params: { ...model.params },
    metrics: info.metrics,
    artifact: { file: MODEL_FILE, md5: md5(bytes), size: bytes.length },
    data: info.data,
    counts: { users: model.userIds.length, items: model.itemIds.length, train: info.counts.train, test: info.counts.test },
    trainSeconds: info.trainSeconds,
    trainedAt: new Date().toISOString(),
  };
  // Binary first: a manifest on disk always describes a complete model.bin.
  writeFileAtomic(join(dir, MODEL_FILE), bytes);
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ArtifactError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ArtifactError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ArtifactError(`${path} is not a valid model manifest: ${issues.join('; ')}`);
  }
  return parsed.data as Manifest;
}

/** Load and verify a model folder; throws ArtifactError naming the problem (missing, truncated, altered, wrong format). */
export async function loadArtifact(dir: string): Promise<{ model: Model; manifest: Manifest }> {
  const manifest = await readManifest(dir);
  const path = join(dir, manifest.artifact.file);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new ArtifactError(`cannot read ${path}: ${(err as Error).message}`);
  }
  // Size first: a truncated file is reported as such without hashing it.
  if (size !== manifest.artifact.size) {
    throw new ArtifactError(
      `${path} is ${size} bytes but the manifest says ${manifest.artifact.size}: ${size < manifest.artifact.size ? 'truncated' : 'altered'}`,
    );
  }
  const { bytes, digest } = await readAndHash(path, size);
  if (digest !== manifest.artifact.md5) {
    throw new ArtifactError(`${path} has md5 ${digest} but the manifest says ${manifest.artifact.md5}: the file was altered`);
  }
  const model = decodeModel(bytes);
  if (model.userIds.length !== manifest.counts.users || model.itemIds.length !== manifest.counts.items) {
    throw new ArtifactError(`${path} holds ${model.userIds.length} users and ${model.itemIds.length} items; the manifest says ${manifest.counts.users} and ${manifest.counts.items}`);
  }
  return { model, manifest };
}

const READ_CHUNK = 16 << 20;

/**
 * Read exactly `size` bytes into one fresh (8-byte aligned) buffer and md5 them, hashing each
 * chunk while the next one is being read, so verification costs little more than the hash.
 */
async function readAndHash(path: string, size: number): Promise<{ bytes: Buffer; digest: string }> {
  const file = await open(path, 'r');
  try {
    const bytes = Buffer.allocUnsafeSlow(size);
    const hash = createHash('md5');
    const readAt = (offset: number) => file.read(bytes, offset, Math.min(READ_CHUNK, size - offset), offset);
    let offset = 0;
    let pending = size > 0 ? readAt(0) : undefined;
    while (pending) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) throw new ArtifactError(`${path} ended after ${offset} of ${size} bytes while being read`);
      const start = offset;
      offset += bytesRead;
      pending = offset < size ? readAt(offset) : undefined;
      hash.update(bytes.subarray(start, offset));
    }
    return { bytes, digest: hash.digest('hex') };
  } finally {
    await file.close();
  }
}
