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
import { ialsParamsSchema } from './ials.ts';
import { trainParamsSchema } from './params.ts';
import type { ArtifactFile, EvalMetrics, Manifest, Model, RankingParams } from './types.ts';

export { ArtifactError } from './artifact-format.ts';

/** The served model (format 1: the only model; format 2: the ranking model). */
export const MODEL_FILE = 'model.bin';
/** Format 2: the rating model (biased MF), same binary format as model.bin. */
export const RATING_MODEL_FILE = 'rating.bin';
export const MANIFEST_FILE = 'manifest.json';

// NaN (nothing to measure, e.g. no held-out rating in a split) is written as null by JSON.
const maybeNaN = z
  .number()
  .nullable()
  .transform((v) => v ?? Number.NaN);
const metricFields = {
  rmse: maybeNaN,
  mae: maybeNaN,
  precisionAt20: z.number().optional(),
  recallAt20: z.number().optional(),
  ndcgAt20: z.number().optional(),
  rankingUsers: z.number().optional(),
  coverage: z.number().optional(),
  popularityPercentile: z.number().optional(),
  gini: z.number().optional(),
};
const metricsSchema = z.object({ ...metricFields, timeSplit: z.object(metricFields).optional() });

const artifactFileSchema = z.object({
  // A bare file name: a manifest must not point outside its own folder.
  file: z.string().min(1).refine((f) => f === basename(f) && f !== '..', 'must be a file name in the model folder'),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
  size: z.number().int().nonnegative(),
});

export const manifestSchema = z
  .object({
    format: z.literal('marquee-mf'),
    formatVersion: z.union([z.literal(1), z.literal(2)]),
    // The name served in X-Model-Version and stored in reccom and tracking rows: one rule for all.
    version: modelVersionSchema,
    params: trainParamsSchema,
    ranking: z.object({ kind: z.literal('ials'), params: ialsParamsSchema }).optional(),
    metrics: metricsSchema,
    artifact: artifactFileSchema,
    ratingArtifact: artifactFileSchema.optional(),
    data: z.object({
      md5: z.string(),
      path: z.string().optional(),
      ratings: z.number().int().nonnegative(),
      watches: z.number().int().nonnegative().optional(),
      watchesMd5: z.string().optional(),
    }),
    counts: z.object({
      users: z.number().int().nonnegative(),
      items: z.number().int().nonnegative(),
      train: z.number().int().nonnegative(),
      test: z.number().int().nonnegative(),
    }),
    /** How the test set was drawn (absent in older manifests): lets a later run tell trained pairs from held-out ones. */
    holdout: z
      .object({ split: z.enum(['rows', 'pairs']), fraction: z.number().gt(0).lt(1), seed: z.number().int() })
      .optional(),
    trainSeconds: z.number().nonnegative(),
    trainedAt: z.string(),
  })
  .refine((m) => m.formatVersion === 1 || (m.ranking !== undefined && m.ratingArtifact !== undefined), {
    message: 'a format-2 manifest names both the ranking model (ranking, artifact) and the rating model (ratingArtifact)',
  })
  .refine((m) => m.ratingArtifact === undefined || m.ratingArtifact.file !== m.artifact.file, {
    message: 'the rating model must be a different file from the served model',
    path: ['ratingArtifact', 'file'],
  });

export interface ArtifactInfo {
  version: string;
  metrics: EvalMetrics;
  data: Manifest['data'];
  counts: { train: number; test: number };
  holdout?: Manifest['holdout'];
  trainSeconds: number;
  /**
   * Format 2: the rating model (written to rating.bin) and the served model's ranking parameters.
   * Without them the folder is format 1: `model` both serves and rates.
   */
  rating?: Model;
  ranking?: { kind: 'ials'; params: RankingParams };
}

/** Write the binaries (model.bin, and rating.bin in format 2), then manifest.json, each atomically; returns the manifest. */
export async function saveArtifact(dir: string, model: Model, info: ArtifactInfo): Promise<Manifest> {
  if ((info.rating === undefined) !== (info.ranking === undefined)) throw new ArtifactError('a format-2 artifact needs both the rating model and the ranking parameters');
  const bytes = encodeModel(model);
  const ratingBytes = info.rating ? encodeModel(info.rating) : undefined;
  const manifest: Manifest = {
    format: 'marquee-mf',
    formatVersion: ratingBytes ? 2 : 1,
    version: info.version,
    params: { ...(info.rating ?? model).params },
    ...(info.ranking ? { ranking: { kind: info.ranking.kind, params: { ...info.ranking.params } } } : {}),
    metrics: info.metrics,
    artifact: { file: MODEL_FILE, md5: md5(bytes), size: bytes.length },
    ...(ratingBytes ? { ratingArtifact: { file: RATING_MODEL_FILE, md5: md5(ratingBytes), size: ratingBytes.length } } : {}),
    data: info.data,
    counts: { users: model.userIds.length, items: model.itemIds.length, train: info.counts.train, test: info.counts.test },
    ...(info.holdout ? { holdout: { ...info.holdout } } : {}),
    trainSeconds: info.trainSeconds,
    trainedAt: new Date().toISOString(),
  };
  // Binaries first: a manifest on disk always describes complete model files.
  writeFileAtomic(join(dir, MODEL_FILE), bytes);
  if (ratingBytes) writeFileAtomic(join(dir, RATING_MODEL_FILE), ratingBytes);
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

export interface LoadOptions {
  /** Also load (and verify) the rating model; in a format-1 folder it is the served model itself. */
  rating?: boolean;
}

export interface LoadedArtifact {
  /** The served model: the ranking model in format 2. */
  model: Model;
  manifest: Manifest;
  /** With `rating: true`: the rating model (format 1: the same object as `model`). */
  rating?: Model;
}

/**
 * Load and verify a model folder; throws ArtifactError naming the problem (missing, truncated,
 * altered, wrong format). Only the served model is read unless `rating` is asked for, so serving
 * pays for one file; the release check asks for both, so both md5s are verified before a release.
 */
export async function loadArtifact(dir: string, opts: LoadOptions = {}): Promise<LoadedArtifact> {
  const manifest = await readManifest(dir);
  const model = await loadModelFile(dir, manifest.artifact);
  if (model.userIds.length !== manifest.counts.users || model.itemIds.length !== manifest.counts.items) {
    throw new ArtifactError(
      `${join(dir, manifest.artifact.file)} holds ${model.userIds.length} users and ${model.itemIds.length} items; the manifest says ${manifest.counts.users} and ${manifest.counts.items}`,
    );
  }
  if (!opts.rating) return { model, manifest };
  const rating = manifest.ratingArtifact ? await loadModelFile(dir, manifest.ratingArtifact) : model;
  return { model, manifest, rating };
}

/** Read one model file, checking its size and md5 against the manifest's entry. */
async function loadModelFile(dir: string, entry: ArtifactFile): Promise<Model> {
  const path = join(dir, entry.file);
  const manifest = { artifact: entry };
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
  return decodeModel(bytes);
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
