// The first start's model: `npm start` on a fresh clone has no models/, and neither has the Compose
// stack's volume, so before serving, scripts/start.sh (and the one-shot `init` container) run this
// to train one on the shipped sample when MODEL_PATH holds no model; a no-op when it has one.
//   tsx services/inference/bootstrap-model.ts
//   MODEL_PATH      default models/current; relative paths are from the repo root, whatever the cwd
//   SAMPLE_RATINGS  default data/sample/ratings.csv, likewise
//
// For the default `models/current` (a symlink for local use; nothing switches it: a release starts
// each replica with MODEL_PATH naming its own folder, `models/<N>`) the sample model goes to
// `models/sample` and `current` is made a symlink to it; any other missing MODEL_PATH is trained
// in place. An existing model is never touched. Training writes into a sibling folder renamed into
// place once complete, so a crash mid-training leaves no half model for a replica to load.
import { existsSync, lstatSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from '../core/cli.ts';
import { env, loadConfig } from '../core/config.ts';
import { MANIFEST_FILE, runTraining } from '../model/index.ts';
import { MarqueeError } from '../core/errors.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE_RATINGS = 'data/sample/ratings.csv';
export const SAMPLE_VERSION = 'sample';

export type Train = (opts: { ratings: string; out: string; version: string; onProgress: (msg: string) => void }) => Promise<unknown>;

export type Plan =
  | { action: 'use'; dir: string }
  | { action: 'train'; dir: string }
  | { action: 'link'; dir: string; link: string; train: boolean };

const hasModel = (dir: string) => existsSync(join(dir, MANIFEST_FILE));

/** What to do for `modelPath`: nothing, train in place, or (for a `current` link) train/link a sibling. */
export function planModel(modelPath: string): Plan {
  if (hasModel(modelPath)) return { action: 'use', dir: modelPath };
  let stat;
  try {
    stat = lstatSync(modelPath);
  } catch {
    stat = undefined;
  }
  if (basename(modelPath) === 'current' && (!stat || stat.isSymbolicLink())) {
    // Missing, or a symlink to nothing: point it at the sample model.
    const dir = join(dirname(modelPath), SAMPLE_VERSION);
    return { action: 'link', dir, link: modelPath, train: !hasModel(dir) };
  }
  // An empty folder (or one with only a crashed attempt's leftovers) is trained into.
  if (stat && !(stat.isDirectory() && readdirSync(modelPath).every(isPartial))) {
    throw new MarqueeError('ARTIFACT', `${modelPath} exists but holds no ${MANIFEST_FILE}; refusing to overwrite it (move it away or set MODEL_PATH)`);
  }
  return { action: 'train', dir: modelPath };
}

/** Replaces `link` with a relative symlink to `target` in one rename, so readers never see it missing. */
function pointLink(link: string, target: string): void {
  const tmp = `${link}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(basename(target), tmp);
  renameSync(tmp, link);
}

const PARTIAL = '.partial-';
const isPartial = (name: string) => name.includes(PARTIAL);

/**
 * Trains so that `dir` gets a model whole or not at all. A missing `dir`: train into a sibling
 * `<dir>.partial-<pid>`, then rename it. An existing empty `dir` (maybe a mount point, which can be
 * neither replaced nor renamed onto): train into `dir/.partial-<pid>`, then move the files up with
 * manifest.json last, since a folder without it is no model to the replicas. Leftovers of a crashed
 * earlier attempt are removed first.
 */
export async function trainAtomically(dir: string, train: (out: string) => Promise<unknown>): Promise<void> {
  const inside = existsSync(dir);
  const parent = inside ? dir : dirname(dir);
  const prefix = inside ? PARTIAL : `${basename(dir)}${PARTIAL}`;
  if (existsSync(parent)) {
    for (const name of readdirSync(parent)) if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const partial = join(parent, `${prefix}${process.pid}`);
  try {
    await train(partial);
    if (!inside) {
      renameSync(partial, dir);
      return;
    }
    const names = readdirSync(partial).sort((a, b) => Number(a === MANIFEST_FILE) - Number(b === MANIFEST_FILE));
    for (const name of names) renameSync(join(partial, name), join(dir, name));
    rmSync(partial, { recursive: true, force: true });
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

export async function ensureModel(
  modelPath: string,
  opts: { ratings: string; train: Train; log: (msg: string) => void },
): Promise<string> {
  const plan = planModel(modelPath);
  if (plan.action === 'use') {
    opts.log(`model present at ${modelPath}`);
    return plan.dir;
  }
  if (plan.action === 'train' || plan.train) {
    if (!existsSync(opts.ratings)) throw new MarqueeError('INPUT', `no model at ${modelPath} and no sample ratings at ${opts.ratings} to train one`);
    opts.log(`no model at ${modelPath}: training one on ${opts.ratings} into ${plan.dir} (version ${SAMPLE_VERSION})`);
    await trainAtomically(plan.dir, (out) =>
      opts.train({ ratings: opts.ratings, out, version: SAMPLE_VERSION, onProgress: (m) => opts.log(`  ${m}`) }),
    );
  }
  if (plan.action === 'link') {
    pointLink(plan.link, plan.dir);
    opts.log(`${plan.link} -> ${basename(plan.dir)}`);
  }
  return plan.dir;
}

async function main(): Promise<number> {
  const c = loadConfig({ MODEL_PATH: env.string('models/current'), SAMPLE_RATINGS: env.string(SAMPLE_RATINGS) });
  const modelPath = resolve(REPO_ROOT, c.MODEL_PATH);
  const ratings = resolve(REPO_ROOT, c.SAMPLE_RATINGS);
  const log = (msg: string) => process.stdout.write(`[model] ${msg}\n`);
  await ensureModel(modelPath, {
    ratings,
    // The documented defaults (100 factors, 20 epochs) with a 20 % hold-out for the manifest's metrics.
    train: (o) => runTraining({ ...o, holdout: 0.2 }),
    log,
  });
  return 0;
}

const USAGE = 'usage: tsx services/inference/bootstrap-model.ts   (no arguments: MODEL_PATH, SAMPLE_RATINGS)';

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) runCli('bootstrap-model', USAGE, main);
