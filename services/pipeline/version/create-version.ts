// The "version" step: the trained artifact becomes models/<N>/, the model files and the clean data
// snapshot are `dvc add`ed and pushed to the DVC remote, and data/version.txt becomes N.
// Layout (what `git clone` + `dvc pull` restores):
//   data/clean_rating.csv.dvc            the snapshot this version was trained on (history = git log)
//   data/clean_watch.csv.dvc             the watches it was trained on too, when there are any
//   models/<N>/model.bin.dvc             every published model in the folder the release controller serves
//   models/<N>/rating.bin.dvc            the rating model, when the artifact has one (manifest format 2)
//   models/<N>/manifest.json.dvc
// All changes are journalled; on any error here they are undone before the error propagates.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { WATCHES_FILE } from '../clean/store.ts';
import type { DvcOut } from './dvc-file.ts';
import { dvcAdd, dvcPush, ensureDvcConfig } from './dvc-store.ts';
import { workdirLayout } from './layout.ts';
import { UndoLog } from './undo-log.ts';
import { readVersion, writeVersion } from './version-file.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface VersionRequest {
  workdir: string;
  version: number;
  /** Folder holding the trained model.bin and manifest.json. */
  stagingDir: string;
  /** `url` goes into .dvc/config (what a clone pulls from); objects are copied into `dir`. */
  remote: { name: string; url: string; dir: string };
  logger: Logger;
}

export interface Versioned {
  version: number;
  modelDir: string;
  data: DvcOut;
  /** The clean watches snapshot (data/clean_watch.csv), when there is one. */
  watches: DvcOut | null;
  model: DvcOut;
  /** The rating model (rating.bin), when the artifact has one. */
  rating: DvcOut | null;
  manifest: DvcOut;
  /** Files to commit, relative to the working copy. */
  paths: string[];
  /** Objects newly copied to the DVC remote. */
  pushedObjects: number;
  /** Takes all of this back (and whatever publishing adds to it). */
  undo: UndoLog;
}

export const MODEL_FILES = ['model.bin', 'manifest.json'] as const;
/** Versioned beside them when the trainer wrote it (the biased-MF rating model of a format-2 artifact). */
export const RATING_MODEL_FILE = 'rating.bin';

export async function createVersion(req: VersionRequest): Promise<Versioned> {
  const undo = new UndoLog();
  try {
    return await build(req, undo);
  } catch (err) {
    const failures = await undo.undo(req.logger);
    if (failures.length) (err as Error).message += ` (rollback incomplete: ${failures.join('; ')})`;
    throw err;
  }
}

async function build(req: VersionRequest, undo: UndoLog): Promise<Versioned> {
  const layout = workdirLayout(req.workdir);
  const current = readVersion(layout.versionFile);
  if (req.version !== current + 1) {
    throw new MarqueeError('INPUT', `version.txt says ${current}, so the next version is ${current + 1}, not ${req.version}`);
  }
  if (!existsSync(layout.ratings)) throw new MarqueeError('INPUT', `no clean data at ${layout.ratings}`);
  for (const f of MODEL_FILES) {
    if (!existsSync(join(req.stagingDir, f))) throw new MarqueeError('ARTIFACT', `trained artifact is missing ${f} in ${req.stagingDir}`);
  }
  const modelDir = layout.modelDir(req.version);
  if (existsSync(modelDir)) throw new MarqueeError('INPUT', `${modelDir} already exists; refusing to overwrite a model folder`);

  undo.action(`move ${modelDir} back to ${req.stagingDir}`, () => renameSync(modelDir, req.stagingDir));
  renameSync(req.stagingDir, modelDir);

  const model = await dvcAdd(req.workdir, join(modelDir, 'model.bin'), undo);
  const ratingPath = join(modelDir, RATING_MODEL_FILE);
  const rating = existsSync(ratingPath) ? await dvcAdd(req.workdir, ratingPath, undo) : null;
  const manifest = await dvcAdd(req.workdir, join(modelDir, 'manifest.json'), undo);
  const data = await dvcAdd(req.workdir, layout.ratings, undo);
  const watchesPath = join(layout.dataDir, WATCHES_FILE);
  const watches = existsSync(watchesPath) ? await dvcAdd(req.workdir, watchesPath, undo) : null;
  checkManifest(join(modelDir, 'manifest.json'), req.version, model.out, rating?.out ?? null, data.out);
  const config = ensureDvcConfig(req.workdir, req.remote, undo);
  req.logger.info('dvc add done', { version: req.version, model_md5: model.out.md5, data_md5: data.out.md5 });

  const outs = [model.out, ...(rating ? [rating.out] : []), manifest.out, data.out, ...(watches ? [watches.out] : [])];
  const pushedObjects = dvcPush(req.workdir, req.remote.dir, outs, undo);
  req.logger.info('dvc push done', { remote: req.remote.name, objects: pushedObjects });

  undo.snapshot(layout.versionFile);
  writeVersion(layout.versionFile, req.version);

  const changed = [
    ...model.changed,
    ...(rating?.changed ?? []),
    ...manifest.changed,
    ...data.changed,
    ...(watches?.changed ?? []),
    ...config,
    layout.versionFile,
  ];
  return {
    version: req.version,
    modelDir,
    data: data.out,
    watches: watches?.out ?? null,
    model: model.out,
    rating: rating?.out ?? null,
    manifest: manifest.out,
    paths: [...new Set(changed.map((p) => relative(req.workdir, p)))],
    pushedObjects,
    undo,
  };
}

/** The manifest must describe this version, these model files and (when it records one) this data. */
function checkManifest(path: string, version: number, model: DvcOut, rating: DvcOut | null, data: DvcOut): void {
  const m = JSON.parse(readFileSync(path, 'utf8')) as {
    version?: string;
    artifact?: { md5?: string; size?: number };
    ratingArtifact?: { md5?: string; size?: number };
    data?: { md5?: string };
  };
  if (m.version !== String(version)) throw new MarqueeError('ARTIFACT', `manifest version is '${m.version}', expected '${version}'`);
  if (m.artifact?.md5 !== model.md5 || m.artifact?.size !== model.size) {
    throw new MarqueeError('ARTIFACT', `manifest artifact md5/size (${m.artifact?.md5}, ${m.artifact?.size}) do not match model.bin (${model.md5}, ${model.size})`);
  }
  const r = m.ratingArtifact;
  if (r && (r.md5 !== rating?.md5 || r.size !== rating?.size)) {
    throw new MarqueeError('ARTIFACT', `manifest rating artifact md5/size (${r.md5}, ${r.size}) do not match ${RATING_MODEL_FILE} (${rating ? `${rating.md5}, ${rating.size}` : 'missing'})`);
  }
  if (!r && rating) throw new MarqueeError('ARTIFACT', `the manifest pins no rating artifact but ${RATING_MODEL_FILE} is there`);
  if (m.data?.md5 && m.data.md5 !== data.md5) {
    throw new MarqueeError('ARTIFACT', `the model was trained on data ${m.data.md5} but the snapshot is ${data.md5}`);
  }
}
