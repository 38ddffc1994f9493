// The embedded default's model: `npm start` on a fresh clone has no models/, so before serving,
// scripts/start.sh runs this to train one on the shipped sample when MODEL_PATH holds no model.
//   tsx services/inference/bootstrap-model.ts      (MODEL_PATH from env, default models/current)
//
// For the default `models/current` (which the release controller switches as a symlink) the sample
// model goes to `models/sample` and `current` is made a symlink to it; any other missing MODEL_PATH
// is trained in place. An existing model is never touched.
import { existsSync, lstatSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { env, exitOnConfigError, loadConfig } from '../core/config.ts';
import { MANIFEST_FILE, runTraining } from '../model/index.ts';

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
  if (stat && !(stat.isDirectory() && readdirSync(modelPath).length === 0)) {
    throw new Error(`${modelPath} exists but holds no ${MANIFEST_FILE}; refusing to overwrite it (move it away or set MODEL_PATH)`);
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
    if (!existsSync(opts.ratings)) throw new Error(`no model at ${modelPath} and no sample ratings at ${opts.ratings} to train one`);
    opts.log(`no model at ${modelPath}: training one on ${opts.ratings} into ${plan.dir} (version ${SAMPLE_VERSION})`);
    await opts.train({ ratings: opts.ratings, out: plan.dir, version: SAMPLE_VERSION, onProgress: (m) => opts.log(`  ${m}`) });
  }
  if (plan.action === 'link') {
    pointLink(plan.link, plan.dir);
    opts.log(`${plan.link} -> ${basename(plan.dir)}`);
  }
  return plan.dir;
}

async function main(): Promise<void> {
  let modelPath: string;
  try {
    modelPath = resolve(REPO_ROOT, loadConfig({ MODEL_PATH: env.string('models/current') }).MODEL_PATH);
  } catch (err) {
    exitOnConfigError(err, 'bootstrap-model');
  }
  const log = (msg: string) => process.stdout.write(`[model] ${msg}\n`);
  await ensureModel(modelPath, {
    ratings: resolve(REPO_ROOT, SAMPLE_RATINGS),
    // The documented defaults (100 factors, 20 epochs) with a 20 % hold-out for the manifest's metrics.
    train: (o) => runTraining({ ...o, holdout: 0.2 }),
    log,
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: Error) => {
    process.stderr.write(`bootstrap-model: ${err.message}\n`);
    process.exit(1);
  });
}
