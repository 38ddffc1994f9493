// Is model <version> fit to be released? Its folder in MODELS_DIR must hold a manifest and the
// files it describes, with the sizes and md5s it states (the model package's loadArtifact, the
// same check inference makes at start-up, here over every model file: the served model.bin and,
// in a format-2 folder, the rating model's rating.bin). Checked before anything is recreated, so a broken or
// missing model is refused while the stables keep serving.
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MarqueeError, type MarqueeErrorOptions } from '../core/errors.ts';
import { loadArtifact, MANIFEST_FILE, MODEL_FILE } from '../model/index.ts';

export class ModelCheckError extends MarqueeError {
  constructor(message: string, options?: MarqueeErrorOptions) {
    super('MODEL_CHECK', message, options);
  }
}

/** Names of the files of `dir` that only a DVC pointer stands for (`x.dvc` without `x`). */
function onlyInDvc(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.dvc'))
    .map((f) => f.slice(0, -'.dvc'.length))
    .filter((f) => !existsSync(join(dir, f)))
    .sort();
}

/** Resolves with the manifest's version; throws ModelCheckError saying what is wrong. */
export async function checkModel(modelsDir: string, version: string): Promise<string> {
  // The version becomes a path here and MODEL_PATH=/app/models/<version> in the containers.
  if (!version || version !== basename(version) || version === '.' || version === '..') {
    throw new ModelCheckError(`model version '${version}' is not a folder name`);
  }
  const dir = join(modelsDir, version);
  // models/<N>/<file>.dvc is how the pipeline versions a model; models/<N>.dvc (a tracked folder) is DVC's other way.
  const pointers = existsSync(dir) ? onlyInDvc(dir) : existsSync(`${dir}.dvc`) ? [basename(dir)] : [];
  if (pointers.length) {
    throw new ModelCheckError(
      `model ${version}: ${dir} has DVC pointers but not the files (${pointers.join(', ')}); fetch them first (dvc pull ${dir})`,
    );
  }
  if (!existsSync(dir)) throw new ModelCheckError(`model ${version} not found: ${dir} does not exist (MODELS_DIR=${modelsDir})`);
  try {
    const { manifest } = await loadArtifact(dir, { rating: true });
    return manifest.version;
  } catch (err) {
    throw new ModelCheckError(`model ${version} in ${dir} is not a valid ${MODEL_FILE} + ${MANIFEST_FILE}: ${(err as Error).message}`, { cause: err });
  }
}
